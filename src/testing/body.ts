import { createHmac } from 'node:crypto'
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

/** The HMAC of `parts` in order (text as UTF-8), as the senders' signers compute it. */
export function hmacOf (algorithm: 'sha1' | 'sha256', key: Buffer, ...parts: ReadonlyArray<string | Buffer>): Buffer {
  const mac = createHmac(algorithm, key)
  for (const part of parts) mac.update(part)
  return mac.digest()
}

/** A signer's timestamp option as whole Unix seconds (now by default); a `TypeError` naming `signer` otherwise. */
export function unixSeconds (value: number | undefined, signer: string): string {
  const seconds = value ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new TypeError(`${signer}: "timestamp" must be whole Unix seconds`)
  return String(seconds)
}
