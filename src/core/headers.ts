import type { HeaderSource } from './types.js'

type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>

function isHeadersObject (source: HeaderSource): source is { get (name: string): string | null } {
  return typeof (source as { get?: unknown }).get === 'function'
}

/**
 * Reads one request header, case-insensitively. A repeated header comes back joined with ", " (as
 * Node joins unknown header names), so a verifier that expects one value sees that it got several.
 */
export function readHeader (source: HeaderSource, name: string): string | undefined {
  if (isHeadersObject(source)) return source.get(name) ?? undefined
  const record: HeaderRecord = source
  const value = record[name] ?? findIgnoringCase(record, name)
  return typeof value === 'string' || value === undefined ? value : value.join(', ')
}

/**
 * Node, Fastify and Express lower-case header names; a hand-built object may not. Names are
 * lower-cased only when lengths match: a header that is simply absent (Content-Encoding, on most
 * requests) costs a scan of the names and no string conversions.
 */
function findIgnoringCase (record: HeaderRecord, name: string): string | readonly string[] | undefined {
  let wanted: string | undefined
  for (const key in record) {
    if (key.length !== name.length) continue
    wanted ??= name.toLowerCase()
    if (key.toLowerCase() === wanted) return record[key]
  }
  return undefined
}

/**
 * The first header named in `single`, or any `ce-*` (CloudEvents) header, that `rawHeaders` (Node's
 * flat list of names and values, as received) holds more than once.
 */
export function repeatedHeader (rawHeaders: readonly string[], single: readonly string[]): string | undefined {
  const seen: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase()
    if (!single.includes(name) && !name.startsWith('ce-')) continue
    if (seen.includes(name)) return name
    seen.push(name)
  }
  return undefined
}

/** Every header as a lower-case name and a single value (repeated values joined with ", "). */
export function headerEntries (source: HeaderSource): Array<[string, string]> {
  const entries: Array<[string, string]> = []
  if (isHeadersObject(source)) {
    const iterable = source as unknown as { forEach?: (fn: (value: string, name: string) => void) => void }
    iterable.forEach?.((value, name) => { entries.push([name.toLowerCase(), value]) })
    return entries
  }
  for (const name in source) {
    const value = source[name]
    if (value !== undefined) entries.push([name.toLowerCase(), typeof value === 'string' ? value : value.join(', ')])
  }
  return entries
}
