import { MAX_TIMER_DELAY } from './deadlines.js'
import { checkAjvOptions } from './schemas.js'
import type { ReceiverOptions } from './receiver.js'

/** Throws a `TypeError` naming the first bad option; adapters call it at registration for their defaults. */
export function validateReceiverOptions (options: ReceiverOptions<never, never>): void {
  const { bodyLimit, bodyTimeout, unknownEvents, now, onEvent, onRejected, handshake, handlerTimeout, ajv } = options
  if (bodyLimit !== undefined && (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1)) {
    throw new TypeError('"bodyLimit" must be a positive integer number of bytes')
  }
  if (bodyTimeout !== undefined && !(Number.isSafeInteger(bodyTimeout) && bodyTimeout > 0 && bodyTimeout <= MAX_TIMER_DELAY)) {
    throw new TypeError(`"bodyTimeout" must be a positive integer number of milliseconds up to ${MAX_TIMER_DELAY}`)
  }
  if (unknownEvents !== undefined && unknownEvents !== 'acknowledge' && unknownEvents !== 'refuse') {
    throw new TypeError('"unknownEvents" must be "acknowledge" or "refuse"')
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError('"now" must be a function returning milliseconds since the epoch')
  }
  // Node's timers hold at most 2^31-1 ms; a longer delay fires after 1 ms instead.
  if (handlerTimeout !== undefined && !(handlerTimeout === Infinity || (Number.isSafeInteger(handlerTimeout) && handlerTimeout > 0 && handlerTimeout <= MAX_TIMER_DELAY))) {
    throw new TypeError(`"handlerTimeout" must be a positive integer number of milliseconds up to ${MAX_TIMER_DELAY} (about 24 days), or Infinity`)
  }
  if (ajv !== undefined && typeof (ajv as { compile?: unknown } | null)?.compile !== 'function') throw new TypeError('"ajv" must be an Ajv instance')
  if (ajv !== undefined) checkAjvOptions(ajv.opts, '"ajv"')
  if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('"onEvent" must be a function')
  if (onRejected !== undefined && typeof onRejected !== 'function') throw new TypeError('"onRejected" must be a function')
  if (handshake !== undefined) {
    const { origins, rate } = handshake
    if (origins !== '*' && (!Array.isArray(origins) || origins.length === 0 || origins.some((o) => typeof o !== 'string' || o === '' || o !== o.toLowerCase()))) {
      throw new TypeError('"handshake.origins" must be "*" or a non-empty list of lower-case host names')
    }
    if (rate !== undefined && rate !== '*' && !(Number.isSafeInteger(rate) && rate > 0)) {
      throw new TypeError('"handshake.rate" must be a positive integer (requests per minute) or "*"')
    }
  }
}
