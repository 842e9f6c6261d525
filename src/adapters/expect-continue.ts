import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/**
 * Answers `Expect: 100-continue` only when the body is about to be read, on every route of `server`.
 *
 * Without a `checkContinue` listener Node answers `100 Continue` to every such request before any
 * route sees it, so a sender is invited to upload a body that hookgate then refuses on its headers
 * alone (413 for a Content-Length over the limit, 415, a request pipelined behind a refusal). With
 * this listener the request goes to the server's usual `request` listeners (Fastify, Express or
 * hookgate's node:http endpoint) and the 100 is sent the first time anything reads the body: a
 * refusal made before reading goes out as the only answer, and routes that read the body work as
 * before. Call it once per server, before it starts listening.
 * @example
 * expectContinue(app.server) // Fastify
 * expectContinue(app.listen(3000)) // Express
 */
export function expectContinue (server: Server): Server {
  if (server.listenerCount('checkContinue') > 0) {
    throw new Error('expectContinue(server): the server already has a "checkContinue" listener')
  }
  return server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    continueOnFirstRead(request, response)
    server.emit('request', request, response)
  })
}

/** Sends `100 Continue` just before the first read of the body (whoever reads it: raw-body, Fastify, a pipe). */
function continueOnFirstRead (request: IncomingMessage, response: ServerResponse): void {
  const read = request.read
  request.read = function readAfterContinue (this: IncomingMessage, size?: number) {
    request.read = read
    response.writeContinue()
    return read.call(this, size) as unknown
  }
}
