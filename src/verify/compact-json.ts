import { Buffer } from 'node:buffer'
import { parseJson } from '../core/json.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

function isWhitespace (byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

function isDigit (byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39
}

function isNumberByte (byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45 || byte === 0x65
}

/**
 * Whether the string between `start` and `end` (its quotes excluded) is an object key spelled in
 * digits only, such as "42": JSON.parse puts those keys first, in ascending order, so the compact
 * form can list them elsewhere than the body. (Any digits, not just array indices: 'other' only
 * sends the body to the exact re-serialisation.)
 */
function isIndexKey (body: Buffer, start: number, end: number): boolean {
  if (end === start || end - start > 10) return false
  for (let i = start; i < end; i++) if (!isDigit(body[i])) return false
  let next = end + 1
  while (next < body.length && isWhitespace(body[next] as number)) next++
  return body[next] === COLON
}

/**
 * Whether a number that is not a plain integer (`-12.5`, `1.5e-7`) is spelled as `String(Number(token))`
 * writes it, decided without converting it: a forged body of a million `1.5`s would otherwise cost a
 * string and a conversion each, more than a genuine body costs to parse. A spelling with at most 15
 * significant digits is the shortest of its value (a double keeps 15 digits exactly, so no shorter
 * spelling has the same value); what is left is String()'s layout: no leading zero, no trailing zero
 * after the point, and an exponent (`d.ddde-7`, `de+21`) exactly below 1e-6 and from 1e21 on.
 * `false` only means "not decided here".
 */
function isShortestDecimal (body: Buffer, start: number, end: number): boolean {
  const integerStart = body[start] === 0x2d ? start + 1 : start
  let point = integerStart
  while (isDigit(body[point])) point++
  const integerDigits = point - integerStart
  if (integerDigits === 0) return false
  let fractionEnd = point
  if (body[point] === 0x2e) {
    fractionEnd = point + 1
    while (isDigit(body[fractionEnd])) fractionEnd++
    if (fractionEnd === point + 1 || body[fractionEnd - 1] === 0x30) return false
  }
  if (fractionEnd === end) return fractionEnd !== point && isShortestFixed(body, integerStart, point, end)
  // An exponent: one digit before the point, not zero, then e+ or e- and the exponent without leading zeros.
  if (integerDigits !== 1 || body[integerStart] === 0x30 || (body[fractionEnd] !== 0x65) || (fractionEnd === point ? 1 : fractionEnd - point) > 15) return false
  const sign = body[fractionEnd + 1]
  if ((sign !== 0x2b && sign !== 0x2d) || body[fractionEnd + 2] === 0x30 || end - fractionEnd - 2 < 1 || end - fractionEnd - 2 > 3) return false
  let exponent = 0
  for (let i = fractionEnd + 2; i < end; i++) {
    if (!isDigit(body[i])) return false
    exponent = exponent * 10 + (body[i] as number) - 0x30
  }
  // Away from the ends of the double's range: subnormals keep fewer digits, and 1e308 and up overflow.
  return sign === 0x2b ? exponent >= 21 && exponent <= 307 : exponent >= 7 && exponent <= 307
}

/** A decimal with a point and no exponent (`12.5`, `0.000125`): its digits up to 15, and 1e-6 or more. */
function isShortestFixed (body: Buffer, integerStart: number, point: number, end: number): boolean {
  if (body[integerStart] !== 0x30) return point - integerStart + (end - point - 1) <= 15
  if (point - integerStart !== 1) return false
  // 0.000ddd: the zeros after the point are not significant, and from six of them on String() writes an exponent.
  let zeros = 0
  while (body[point + 1 + zeros] === 0x30) zeros++
  return zeros <= 5 && end - point - 1 - zeros <= 15
}

/** How a body may differ from its compact re-serialisation `JSON.stringify(JSON.parse(body))`. */
export type CompactDifference = 'none' | 'whitespace' | 'other'

/**
 * How `JSON.stringify(JSON.parse(body))` could differ from `body`: `'none'` (it is the body itself,
 * duplicate keys aside), `'whitespace'` (only whitespace outside strings: the body pretty-printed),
 * or `'other'`: a `\/` or `\u` escape (stringify writes those characters raw), a number not in
 * its shortest form (`1.0`, `1e2`, `-0`), or a key in digits (which JSON.parse reorders). A linear
 * scan, with no allocation for integers and plain decimals: a forged compact body then costs one
 * scan, not a parse, a serialisation and a second MAC.
 */
export function compactDifference (body: Buffer): CompactDifference {
  let whitespace = false
  let nextBackslash = body.indexOf(BACKSLASH)
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number
    if (byte === QUOTE) {
      // Jump to the end of the string natively; look only at its escapes.
      let end = body.indexOf(QUOTE, i + 1)
      while (nextBackslash !== -1 && nextBackslash < end) {
        const escaped = body[nextBackslash + 1]
        if (escaped === 0x2f || escaped === 0x75) return 'other'
        if (nextBackslash + 1 === end) end = body.indexOf(QUOTE, end + 1)
        nextBackslash = body.indexOf(BACKSLASH, nextBackslash + 2)
      }
      if (end === -1) return 'other'
      if (isIndexKey(body, i + 1, end)) return 'other'
      i = end
    } else if (isWhitespace(byte)) {
      whitespace = true
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
      let end = i + 1
      let plainInteger = byte !== 0x2d || (body[i + 1] !== 0x30)
      while (end < body.length && isNumberByte(body[end] as number)) {
        const b = body[end] as number
        if (b === 0x2e || b === 0x45 || b === 0x65 || b === 0x2b) plainInteger = false
        end++
      }
      // An integer without a leading zero and within 15 digits is already in its shortest form.
      const digits = end - i - (byte === 0x2d ? 1 : 0)
      const leadingZero = body[end - digits] === 0x30 && digits > 1
      if ((!plainInteger || leadingZero || digits > 15 || (byte === 0x2d && digits === 0)) && !isShortestDecimal(body, i, end)) {
        const token = body.toString('latin1', i, end)
        if (String(Number(token)) !== token) return 'other'
      }
      i = end - 1
    }
  }
  return whitespace ? 'whitespace' : 'none'
}

/** The body without the whitespace outside its strings; strings are copied as they are. */
function withoutWhitespace (body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length)
  let length = 0
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number
    if (byte === QUOTE) {
      // The closing quote is the next one not escaped, that is not after an odd run of backslashes.
      let end = body.indexOf(QUOTE, i + 1)
      while (end !== -1) {
        let backslashes = 0
        while (body[end - 1 - backslashes] === BACKSLASH) backslashes++
        if (backslashes % 2 === 0) break
        end = body.indexOf(QUOTE, end + 1)
      }
      const stop = end === -1 ? body.length : end + 1
      length += body.copy(out, length, i, stop)
      i = stop - 1
    } else if (!isWhitespace(byte)) {
      out[length++] = byte
    }
  }
  return out.subarray(0, length)
}

/**
 * The compact re-serialisation of a body that differs from it, or `undefined` when the body is not
 * JSON or cannot be re-serialised (nesting too deep for `JSON.stringify`'s recursion). When only
 * whitespace differs, the whitespace is removed and nothing is parsed.
 */
export function compactForm (body: Buffer, difference: Exclude<CompactDifference, 'none'>): Buffer | undefined {
  if (difference === 'whitespace') return withoutWhitespace(body)
  const json = parseJson(body)
  if (!json.ok) return undefined
  try {
    return Buffer.from(JSON.stringify(json.value), 'utf8')
  } catch {
    return undefined
  }
}

/** Largest body the compact-JSON fallback looks at, unless its options say otherwise. */
export const COMPACT_FALLBACK_MAX_BYTES = 64 * 1024
/** Bytes of bodies per second on which the fallback may fail before it rests, unless its options say otherwise. */
export const COMPACT_FALLBACK_FAILED_BYTES_PER_SECOND = 256 * 1024

/**
 * The fallback's budget for failures: a token bucket of bytes, refilled at `rate` per second up to one
 * second's worth (or one largest body, if larger), read with the receiver's clock.
 */
export class FallbackBudget {
  readonly #rate: number
  readonly #capacity: number
  #tokens: number
  #at: number | undefined

  constructor (rate: number, maxBytes: number) {
    this.#rate = rate
    this.#capacity = Math.max(rate, maxBytes)
    this.#tokens = this.#capacity
  }

  /** Whether a body of `bytes` may be tried now. A clock that goes back, or is not a number, refills nothing. */
  allows (bytes: number, now: number): boolean {
    if (Number.isFinite(now) && (this.#at === undefined || now > this.#at)) {
      if (this.#at !== undefined) this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#rate / 1000)
      this.#at = now
    }
    return this.#tokens >= bytes
  }

  failed (bytes: number): void {
    this.#tokens -= bytes
  }
}

/** The fallback's option: off, on with its defaults, or with its bounds. */
export type CompactJsonFallback = boolean | { readonly maxBytes?: number, readonly failedBytesPerSecond?: number }

export function fallbackOptions (option: CompactJsonFallback | undefined): { maxBytes: number, rate: number } {
  if (option === false || option === undefined) return { maxBytes: 0, rate: 0 }
  const given: unknown = option === true ? {} : option
  const bounds = typeof given === 'object' && given !== null ? given as Exclude<CompactJsonFallback, boolean> : { maxBytes: Number.NaN }
  const maxBytes = bounds.maxBytes ?? COMPACT_FALLBACK_MAX_BYTES
  const rate = bounds.failedBytesPerSecond ?? COMPACT_FALLBACK_FAILED_BYTES_PER_SECOND
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || !((Number.isSafeInteger(rate) && rate > 0) || rate === Infinity)) {
    throw new TypeError('"hmac.compactJsonFallback" must be a boolean or { maxBytes?, failedBytesPerSecond? }: a non-negative integer and a positive one (or Infinity)')
  }
  return { maxBytes, rate }
}
