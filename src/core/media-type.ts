/** The media type of a `Content-Type` value, lower-case and without parameters, or `undefined` when its charset is not UTF-8. */
export function jsonMediaType (contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const semicolon = contentType.indexOf(';')
  if (semicolon === -1) return contentType.trim().toLowerCase()
  // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; any other declared charset means the
  // bytes we would verify are not the bytes the sender meant. Every charset given counts: a repeated
  // one is ambiguous (a parser that reads the last would decode what hookgate took for UTF-8).
  for (const [, charset = ''] of contentType.matchAll(/;\s*charset\s*=\s*"?([^";\s]*)/gi)) {
    const name = charset.toLowerCase()
    if (name !== 'utf-8' && name !== 'utf8') return undefined
  }
  return contentType.slice(0, semicolon).trim().toLowerCase()
}

/** `application/json` and the structured-syntax suffix `application/*+json` (RFC 6839). */
export function isJsonMediaType (mediaType: string): boolean {
  return mediaType === 'application/json' ||
    (mediaType.startsWith('application/') && mediaType.endsWith('+json') && !mediaType.includes('/', 12))
}
