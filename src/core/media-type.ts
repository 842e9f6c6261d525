const CHARSET_PARAMETER = /;\s*charset(\*?)\s*=\s*("(?:[^"\\]|\\.)*"[^;]*|[^;]*)/gi

/** The media type of a `Content-Type` value, lower-case and without parameters, or `undefined` when its charset is not UTF-8. */
export function jsonMediaType (contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const semicolon = contentType.indexOf(';')
  if (semicolon === -1) return contentType.trim().toLowerCase()
  // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; any other declared charset means the
  // bytes we would verify are not the bytes the sender meant. Every charset given counts: a repeated
  // one is ambiguous (a parser that reads the last would decode what hookgate took for UTF-8).
  // A value is read whole, up to the next `;` (or the end of its quoted string): `utf-8 latin1` or
  // `"utf-8"latin1` are not UTF-8. RFC 2231's `charset*=` is refused, whatever it says.
  for (const [, extended, raw = ''] of contentType.matchAll(CHARSET_PARAMETER)) {
    const value = raw.trim()
    const name = (value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value).toLowerCase()
    if (extended !== '' || (name !== 'utf-8' && name !== 'utf8')) return undefined
  }
  return contentType.slice(0, semicolon).trim().toLowerCase()
}

/** `application/json` and the structured-syntax suffix `application/*+json` (RFC 6839). */
export function isJsonMediaType (mediaType: string): boolean {
  return mediaType === 'application/json' ||
    (mediaType.startsWith('application/') && mediaType.endsWith('+json') && !mediaType.includes('/', 12))
}
