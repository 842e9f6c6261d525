import type { ServerResponse } from 'node:http'
import type { Http2ServerResponse } from 'node:http2'
import type { Readable } from 'node:stream'
import type { DeadlineQueue, Pending } from '../core/deadlines.js'

/**
 * What a stalled body's stream fails with: the body reader (raw-body, Fastify's) stops reading and
 * reports it, and the adapter answers 408 (`HOOKGATE_BODY_TIMEOUT`).
 */
export class BodyTimeoutError extends Error {
  readonly statusCode = 408
  constructor () {
    super('the request body did not arrive before the endpoint\'s bodyTimeout')
    this.name = 'BodyTimeoutError'
  }
}

/**
 * Starts the clock on a request's body; settle the returned entry once the body is in. If it is
 * still arriving when the endpoint's `bodyTimeout` runs out, its stream fails with a BodyTimeoutError.
 */
export function watchBody (deadlines: DeadlineQueue, request: Readable & { readonly complete: boolean }): Pending {
  return deadlines.add(() => {
    if (!request.complete && !request.destroyed) request.emit('error', new BodyTimeoutError())
  })
}

/**
 * After the 408, the connection goes (HTTP/1) or the stream is reset (HTTP/2) once the answer is
 * out: the client may still be sending, slowly or not at all, and is not waited for.
 */
export function closeAfterAnswer (response: ServerResponse | Http2ServerResponse, request: Readable): void {
  response.once('finish', () => { request.destroy() })
}
