import { Buffer } from 'node:buffer'
import type { InboundRequest } from '../core/types.js'

/**
 * What a sender signs, as a template over the request: `{body}` (the raw bytes), `{timestamp}`
 * (verbatim, from wherever the scheme reads it), `{header:<name>}` (a header verbatim), `{url}`
 * (the URL the sender called, as the adapter reconstructs it; see `publicUrl`), and literal text. `'{body}'` (GitHub), `'{timestamp}.{body}'` (Stripe), `'{header:webhook-id}.{timestamp}.{body}'`
 * (Standard Webhooks), `'v0:{timestamp}:{body}'` (Slack).
 */
export type SignedContentTemplate = string

type Part =
  | { readonly kind: 'literal', readonly bytes: Buffer }
  | { readonly kind: 'body' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'header', readonly name: string }
  | { readonly kind: 'url' }

export interface SignedContent {
  /** Whether the template is the body alone (then no bytes are copied). */
  readonly bodyOnly: boolean
  readonly usesTimestamp: boolean
  /** The bytes to MAC, or the reason they cannot be built (a header the template names is missing). */
  build (request: InboundRequest, body: Buffer, timestamp: string | undefined): Buffer | string
}

const PLACEHOLDER = /\{([^{}]*)\}/g

/** Parses a template once, at startup; throws a `TypeError` naming what is wrong. */
export function signedContent (template: SignedContentTemplate = '{body}'): SignedContent {
  if (typeof template !== 'string') throw new TypeError('"signedContent" must be a template string such as "{timestamp}.{body}"')
  const parts: Part[] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ kind: 'literal', bytes: Buffer.from(template.slice(last, match.index), 'utf8') })
    const name = match[1] ?? ''
    if (name === 'body') parts.push({ kind: 'body' })
    else if (name === 'timestamp') parts.push({ kind: 'timestamp' })
    else if (name === 'url') parts.push({ kind: 'url' })
    else if (name.startsWith('header:') && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name.slice(7))) parts.push({ kind: 'header', name: name.slice(7).toLowerCase() })
    else throw new TypeError(`"signedContent" has an unknown placeholder "{${name}}": use {body}, {timestamp}, {url} or {header:<name>}`)
    last = match.index + match[0].length
  }
  if (last < template.length) parts.push({ kind: 'literal', bytes: Buffer.from(template.slice(last), 'utf8') })
  if (parts.filter((part) => part.kind === 'body').length !== 1) throw new TypeError('"signedContent" must contain {body} exactly once')

  const bodyOnly = parts.length === 1
  return {
    bodyOnly,
    usesTimestamp: parts.some((part) => part.kind === 'timestamp'),
    build (request, body, timestamp) {
      if (bodyOnly) return body
      const chunks: Buffer[] = []
      for (const part of parts) {
        if (part.kind === 'literal') chunks.push(part.bytes)
        else if (part.kind === 'body') chunks.push(body)
        else if (part.kind === 'timestamp') {
          if (timestamp === undefined) return 'no timestamp'
          chunks.push(Buffer.from(timestamp, 'utf8'))
        } else if (part.kind === 'url') {
          if (request.url === undefined) return 'the request URL is unknown'
          chunks.push(Buffer.from(request.url, 'utf8'))
        } else {
          const value = request.header(part.name)
          if (value === undefined) return `no ${part.name} header`
          chunks.push(Buffer.from(value, 'utf8'))
        }
      }
      return Buffer.concat(chunks)
    }
  }
}
