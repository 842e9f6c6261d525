/**
 * How senders write signatures in a header:
 * - `single`: one value, optionally after a prefix (`sha256=<hex>`; GitHub, Shopify, Backchannel);
 * - `list`: entries `<version><versionSeparator><signature>` separated by `separator`
 *   (`v1,<b64> v1,<b64>`; Standard Webhooks, Svix); entries of other versions are skipped;
 * - `pairs`: `key=value` pairs separated by `separator` (`t=…,v1=…,v1=…`; Stripe, Paddle with `;`),
 *   signatures under `key`, the timestamp under `timestampKey`.
 */
export type SignatureFormat =
  | { readonly kind: 'single', readonly prefix?: string }
  | { readonly kind: 'list', readonly version: string, readonly separator?: string, readonly versionSeparator?: string }
  | { readonly kind: 'pairs', readonly key: string, readonly timestampKey?: string, readonly separator?: string, readonly assign?: string }

export interface ParsedSignatures {
  /** The encoded signatures to try (without prefix or version). */
  readonly signatures: readonly string[]
  /** The timestamp carried in the same header (`pairs` with `timestampKey`), verbatim. */
  readonly timestamp?: string
}

/** More entries than this in one header are refused unread: a rotation needs two or three. */
const MAX_ENTRIES = 16

export type HeaderParser = (value: string) => ParsedSignatures | string

/** Builds the parser for a format; the result is the signatures, or the reason they cannot be read. */
export function signatureParser (format: SignatureFormat): HeaderParser {
  if (format.kind === 'single') {
    const prefix = format.prefix ?? ''
    return (value) => {
      if (!value.startsWith(prefix)) return `the signature does not start with "${prefix}"`
      return { signatures: [value.slice(prefix.length)] }
    }
  }
  if (format.kind === 'list') {
    const { version, separator = ' ', versionSeparator = ',' } = format
    const marker = `${version}${versionSeparator}`
    return (value) => {
      const entries = value.split(separator).filter((entry) => entry !== '')
      if (entries.length > MAX_ENTRIES) return 'too many signatures'
      const signatures = entries.filter((entry) => entry.startsWith(marker)).map((entry) => entry.slice(marker.length))
      return signatures.length === 0 ? `no ${version} signature` : { signatures }
    }
  }
  const { key, timestampKey, separator = ',', assign = '=' } = format
  return (value) => {
    const entries = value.split(separator)
    if (entries.length > MAX_ENTRIES) return 'too many signature elements'
    const signatures: string[] = []
    let timestamp: string | undefined
    for (const entry of entries) {
      const at = entry.indexOf(assign)
      if (at === -1) return 'a signature element has no value'
      const name = entry.slice(0, at)
      // Exact names: " t" (from two headers joined by ", ") is not "t", so a repeated header cannot pass.
      if (name === key) signatures.push(entry.slice(at + assign.length))
      else if (name === timestampKey) {
        if (timestamp !== undefined) return 'the timestamp appears twice'
        timestamp = entry.slice(at + assign.length)
      }
    }
    if (signatures.length === 0) return `no ${key} signature`
    if (timestampKey !== undefined && timestamp === undefined) return `no ${timestampKey} timestamp`
    return timestamp === undefined ? { signatures } : { signatures, timestamp }
  }
}
