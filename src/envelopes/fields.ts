import { createHash } from 'node:crypto'
import type { InboundRequest } from '../core/types.js'

/** Event ids and types longer than this are refused: they end up in logs and store keys. */
export const MAX_KEY_LENGTH = 256

export function isObject (value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** What an event id or type may be: a non-empty string of at most `MAX_KEY_LENGTH`; else `undefined`. */
export function keyText (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= MAX_KEY_LENGTH ? value : undefined
}

/** An event id made from what was signed: `sha256:` and the hex SHA-256 of `parts` in order (text as UTF-8). */
export function digestId (...parts: ReadonlyArray<string | Buffer>): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return `sha256:${hash.digest('hex')}`
}

/**
 * The id of an event whose sender gives none: `sha256:` and the hex SHA-256 of the signed body, the
 * same for a redelivery of the same bytes.
 */
export function bodyDigest (request: InboundRequest): string {
  return digestId(request.body)
}
