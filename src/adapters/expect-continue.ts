import type { Server } from 'node:http'
import type { Http2SecureServer, Http2Server } from 'node:http2'

/** What the helper needs of a request and a response, over HTTP/1 and HTTP/2's compatibility API alike. */
interface ReadableRequest { read: (size?: number) => unknown }
interface ContinuableResponse { readonly writableEnded: boolean, writeContinue: () => unknown }

const servers = new WeakSet<object>()

/**
 * Answers `Expect: 100-continue` only when the body is about to be read, on every route of `server`.
 *
 * Without a `checkContinue` listener Node answers `100 Continue` to every such request before any
 * route sees it, so a sender is invited to upload a body that hookgate then refuses on its headers
 * alone (413 for a Content-Length over the limit, 415). With this listener the request goes to the
 * server's usual `request` listeners (Fastify, Express or hookgate's node:http endpoint) and the 100
 * is sent the first time anything reads the body, unless the response has gone out by then: a
 * refusal made before reading is the only answer. Call it once per server; again is a no-op.
 * @example
 * expectContinue(app.server) // Fastify (HTTP/1, or HTTP/2 with its compatibility API)
 * expectContinue(app.listen(3000)) // Express
 */
export function expectContinue<S extends Server | Http2Server | Http2SecureServer> (server: S): S {
  if (servers.has(server)) return server
  if (server.listenerCount('checkContinue') > 0) {
    throw new Error('expectContinue(server): the server already has a "checkContinue" listener of its own')
  }
  servers.add(server)
  // Typed loosely: the listener is the same for node:http's and node:http2's request and response.
  ;(server as unknown as Server).on('checkContinue', (request: ReadableRequest, response: ContinuableResponse) => {
    continueOnFirstRead(request, response)
    server.emit('request', request, response)
  })
  return server
}

/** Sends `100 Continue` just before the first read of the body (whoever reads it: raw-body, Fastify, a pipe). */
function continueOnFirstRead (request: ReadableRequest, response: ContinuableResponse): void {
  const read = request.read
  const readAfterContinue = function (this: unknown, size?: number): unknown {
    if (request.read === readAfterContinue) request.read = read
    // Not after the response's head went out (a route that flushed or finished its answer before
    // reading; Node drains an unread body after the answer): a 100 there would land inside it.
    // `_headerSent` is node:http's flag for the head written to the socket; `headersSent` is already
    // true after a writeHead() that has not been flushed yet, when a 100 is still due.
    if (!response.writableEnded && (response as { _headerSent?: boolean })._headerSent !== true) response.writeContinue()
    return read.call(this, size)
  }
  request.read = readAfterContinue
}
