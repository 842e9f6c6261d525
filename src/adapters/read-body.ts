import type { IncomingMessage } from 'node:http'
import getRawBody from 'raw-body'
import { HookgateError } from '../core/errors.js'
import { BodyTimeoutError } from './body-deadline.js'

/**
 * Reads a request body as bytes with a hard limit, for the Express and node:http adapters. A
 * `Content-Length` over the limit is refused before reading (raw-body checks it first), and a
 * chunked body is cut off as soon as it passes the limit. Never decodes: the bytes stay as sent.
 */
export function readBody (request: IncomingMessage, limit: number): Promise<Buffer> {
  // raw-body's callback form: one promise per request instead of its own plus an async wrapper.
  return new Promise((resolve, reject) => {
    getRawBody(request, { limit, length: request.headers['content-length'] ?? null }, (err, body) => {
      if (err === null || err === undefined) {
        resolve(body)
        return
      }
      const code = err instanceof BodyTimeoutError ? 'HOOKGATE_BODY_TIMEOUT' : (err as { type?: string }).type === 'entity.too.large' ? 'HOOKGATE_BODY_TOO_LARGE' : 'HOOKGATE_BODY_UNREADABLE'
      reject(new HookgateError(code, { reason: err.message, cause: err }))
    })
  })
}
