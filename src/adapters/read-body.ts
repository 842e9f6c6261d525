import type { IncomingMessage } from 'node:http'
import getRawBody from 'raw-body'
import { HookgateError } from '../core/errors.js'

/**
 * Reads a request body as bytes with a hard limit, for the Express and node:http adapters. A
 * `Content-Length` over the limit is refused before reading (raw-body checks it first), and a
 * chunked body is cut off as soon as it passes the limit. Never decodes: the bytes stay as sent.
 */
export async function readBody (request: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(request, { limit, length: request.headers['content-length'] ?? null })
  } catch (err) {
    const type = (err as { type?: string }).type
    const code = type === 'entity.too.large' ? 'HOOKGATE_BODY_TOO_LARGE' : 'HOOKGATE_BODY_UNREADABLE'
    throw new HookgateError(code, { reason: (err as Error).message, cause: err })
  }
}
