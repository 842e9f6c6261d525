/** The media type of a `Content-Type` value, lower-case and without parameters, or `undefined` when its charset is not UTF-8. */
export function jsonMediaType (contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const semicolon = contentType.indexOf(';')
  if (semicolon === -1) return contentType.trim().toLowerCase()
  // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; any other declared charset means the
  // bytes we would verify are not the bytes the sender meant.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType)?.[1]?.toLowerCase()
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return undefined
  return contentType.slice(0, semicolon).trim().toLowerCase()
}

/** `application/json` and the structured-syntax suffix `application/*+json` (RFC 6839). */
export function isJsonMediaType (mediaType: string): boolean {
  return mediaType === 'application/json' ||
    (mediaType.startsWith('application/') && mediaType.endsWith('+json') && !mediaType.includes('/', 12))
}
