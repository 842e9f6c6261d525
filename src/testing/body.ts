/** A test body as bytes: strings are UTF-8, byte arrays are kept, anything else is `JSON.stringify`-ed. */
export type TestBody = string | Uint8Array | Readonly<Record<string, unknown>>

export function bodyBytes (body: TestBody): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return Buffer.from(JSON.stringify(body), 'utf8')
}

/** A request in the shape `app.inject()` takes (and close to what `fetch` takes). */
export interface SignedRequest {
  readonly method: 'POST'
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly payload: Buffer
}

/** The key a test signer uses; a `TypeError` naming `signer` when there is none to sign with. */
export function signingKey (secret: unknown, signer: string): Buffer {
  if (typeof secret === 'string' && secret !== '') return Buffer.from(secret, 'utf8')
  if (secret instanceof Uint8Array && secret.byteLength > 0) return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
  throw new TypeError(`${signer}: "secret" must be a non-empty string or byte array`)
}
