import { parseJson } from '../core/json.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c

function isWhitespace (byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

function isNumberByte (byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45 || byte === 0x65
}

/**
 * Whether `JSON.stringify(JSON.parse(body))` could differ from `body`: whitespace outside strings,
 * a `\/` or `\u` escape (stringify writes those characters raw), or a number not in its shortest
 * form (`1.0`, `1e2`, `-0`). When this is false the compact form is the body itself (duplicate keys
 * aside), so the compact-JSON fallback can be skipped without parsing: a forged compact body then
 * costs one scan, not a parse, a serialisation and a second MAC. A linear scan, no allocation.
 */
export function mayDifferFromCompact (body: Buffer): boolean {
  let nextBackslash = body.indexOf(BACKSLASH)
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number
    if (byte === QUOTE) {
      // Jump to the end of the string natively; look only at its escapes.
      let end = body.indexOf(QUOTE, i + 1)
      while (nextBackslash !== -1 && nextBackslash < end) {
        const escaped = body[nextBackslash + 1]
        if (escaped === 0x2f || escaped === 0x75) return true
        if (nextBackslash + 1 === end) end = body.indexOf(QUOTE, end + 1)
        nextBackslash = body.indexOf(BACKSLASH, nextBackslash + 2)
      }
      if (end === -1) return true
      i = end
    } else if (isWhitespace(byte)) {
      return true
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
      if (!plainInteger || leadingZero || digits > 15 || (byte === 0x2d && digits === 0)) {
        const token = body.toString('latin1', i, end)
        if (String(Number(token)) !== token) return true
      }
      i = end - 1
    }
  }
  return false
}

/**
 * The compact re-serialisation of a JSON body, or `undefined` when the body is not JSON or cannot be
 * re-serialised (nesting too deep for `JSON.stringify`'s recursion).
 */
export function compactForm (body: Buffer): Buffer | undefined {
  const json = parseJson(body)
  if (!json.ok) return undefined
  try {
    return Buffer.from(JSON.stringify(json.value), 'utf8')
  } catch {
    return undefined
  }
}
