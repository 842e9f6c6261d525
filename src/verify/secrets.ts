import { Buffer } from 'node:buffer'
import { refusal } from '../core/errors.js'
import type { VerifyResult } from '../core/types.js'

/** A shared secret, as text (UTF-8) or bytes. */
export type Secret = string | Uint8Array

/** One secret, or several during a rotation (any one may match; list the active one first). */
export type Secrets = Secret | readonly Secret[]

/** Secrets given directly, or a function (sync or async) asked on each request, to rotate without a restart. */
export type SecretSource = Secrets | (() => Secrets | Promise<Secrets>)

/** Turns configured secrets into non-empty byte strings; throws `TypeError` naming `option` otherwise. */
export function secretBytes (secrets: Secrets, option: string): readonly Buffer[] {
  const list: readonly Secret[] = typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : secrets
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`"${option}" must be a non-empty secret or a non-empty list of them`)
  }
  return list.map((secret, i) => {
    if (typeof secret === 'string' && secret !== '') return Buffer.from(secret, 'utf8')
    if (secret instanceof Uint8Array && secret.byteLength > 0) return Buffer.from(secret)
    throw new TypeError(`"${option}${list.length > 1 ? `[${i}]` : ''}" must be a non-empty string or byte array`)
  })
}

/**
 * Resolves a secret source once: static secrets are checked now (so a missing secret fails at
 * startup) and a function is wrapped so each call yields checked bytes.
 */
export function secretProvider (source: SecretSource | undefined, option: string): readonly Buffer[] | (() => Promise<readonly Buffer[]>) {
  if (typeof source === 'function') {
    return async () => secretBytes(await source(), option)
  }
  if (source === undefined) {
    throw new TypeError(`"${option}" is required`)
  }
  return secretBytes(source, option)
}

/**
 * Runs `check` with the keys: at once for static secrets, once a secrets function has answered (its
 * failure is a 503, `HOOKGATE_SECRETS_UNAVAILABLE`, naming `option`). The HMAC verifier writes this
 * out itself, to spare its hot path a closure per request.
 */
export function withKeys (keys: readonly Buffer[] | (() => Promise<readonly Buffer[]>), option: string, check: (keys: readonly Buffer[]) => VerifyResult): VerifyResult | Promise<VerifyResult> {
  if (typeof keys !== 'function') return check(keys)
  return keys().then(check, (err: unknown) => refusal('HOOKGATE_SECRETS_UNAVAILABLE', { reason: `the ${option} function failed`, cause: err }))
}
