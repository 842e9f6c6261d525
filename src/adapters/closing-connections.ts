import { refusal, type HookgateError } from '../core/errors.js'

/**
 * HTTP/1 sockets on which a refusal made before the body was read said `Connection: close`. Node
 * may still hand over a request the client pipelined behind it; that one must not be dispatched,
 * because its reply would be lost with the connection and the sender would retry an event that ran.
 */
const closing = new WeakSet<object>()

export function markClosing (socket: object | null | undefined): void {
  if (socket !== null && socket !== undefined) closing.add(socket)
}

export function isClosing (socket: object | null | undefined): boolean {
  return socket !== null && socket !== undefined && closing.has(socket)
}

/** The refusal for a request pipelined behind one that closes the connection: 503, retry on a new one. */
export function connectionClosing (): HookgateError {
  return refusal('HOOKGATE_CONNECTION_CLOSING', { reason: 'pipelined behind a refusal that closes the connection', headers: { 'retry-after': '1' } })
}
