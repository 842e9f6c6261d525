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
export function mayDifferFromCompact (body: Uint8Array): boolean {
  let inString = false
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number
    if (inString) {
      if (byte === QUOTE) inString = false
      else if (byte === BACKSLASH) {
        const next = body[i + 1]
        if (next === 0x2f || next === 0x75) return true
        i++
      }
    } else if (byte === QUOTE) {
      inString = true
    } else if (isWhitespace(byte)) {
      return true
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
      let end = i + 1
      while (end < body.length && isNumberByte(body[end] as number)) end++
      const token = Buffer.from(body.buffer, body.byteOffset + i, end - i).toString('latin1')
      if (String(Number(token)) !== token) return true
      i = end - 1
    }
  }
  return false
}

/**
 * The compact re-serialisation of a JSON body and its parsed value, or `undefined` when the body is
 * not JSON or cannot be re-serialised (nesting too deep for `JSON.stringify`'s recursion).
 */
export function compactForm (body: Buffer): { bytes: Buffer, value: unknown } | undefined {
  const json = parseJson(body)
  if (!json.ok) return undefined
  try {
    return { bytes: Buffer.from(JSON.stringify(json.value), 'utf8'), value: json.value }
  } catch {
    return undefined
  }
}
