import { Buffer } from 'node:buffer'
import { createHash, timingSafeEqual } from 'node:crypto'
import { refusal } from '../core/errors.js'
import type { InboundRequest, Verifier } from '../core/types.js'

export interface BasicCredentials {
  readonly username: string
  readonly password: string
}

export interface BasicAuthOptions {
  /** The accepted user and password, or several pairs during a rotation. */
  credentials: BasicCredentials | readonly BasicCredentials[]
  /** Realm announced in `WWW-Authenticate`. @default 'webhooks' */
  realm?: string
}

/** Longer `Authorization` values are refused unread. */
const MAX_AUTHORIZATION_LENGTH = 1024

function digest (userPass: string | Buffer): Buffer {
  return createHash('sha256').update(userPass).digest()
}

/**
 * Checks `Authorization: Basic …` (RFC 7617). The decoded `user:password` is hashed and compared
 * with `timingSafeEqual` against the hash of each configured pair, so neither the content nor the
 * length of the expected credentials shows in the timing. A refusal carries `WWW-Authenticate: Basic`.
 * Option errors name the credentials as `credentialsOption` (a preset passes the name its users write).
 */
export function basicAuthVerifier (options: BasicAuthOptions, credentialsOption = 'basicAuth.credentials'): Verifier {
  if (options === null || typeof options !== 'object') throw new TypeError('"basicAuth" must be an object')
  const list = Array.isArray(options.credentials) ? options.credentials : [options.credentials]
  if (list.length === 0) throw new TypeError(`"${credentialsOption}" must not be empty`)
  const expected = list.map((pair: BasicCredentials, i) => {
    const at = Array.isArray(options.credentials) ? `${credentialsOption}[${i}]` : 'basicAuth'
    if (pair === null || typeof pair !== 'object') throw new TypeError(`"${at}" must be { username, password }`)
    if (typeof pair.username !== 'string' || pair.username === '' || pair.username.includes(':')) {
      throw new TypeError(`"${at}.username" must be a non-empty string without ":"`)
    }
    if (typeof pair.password !== 'string' || pair.password === '') throw new TypeError(`"${at}.password" must be a non-empty string`)
    return digest(`${pair.username}:${pair.password}`)
  })
  const realm = options.realm ?? 'webhooks'
  if (typeof realm !== 'string' || !/^[\x20-\x7e]*$/.test(realm) || realm.includes('"')) {
    throw new TypeError('"basicAuth.realm" must be printable ASCII without quotes')
  }
  const headers = Object.freeze({ 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"` })

  return {
    name: 'basic-auth',
    headers: ['authorization'],
    verify (request: InboundRequest) {
      const value = request.header('authorization')
      if (value === undefined || value === '') return refusal('HOOKGATE_CREDENTIALS_MISSING', { reason: 'no authorization header', headers })
      if (value.length > MAX_AUTHORIZATION_LENGTH) return refusal('HOOKGATE_CREDENTIALS_INVALID', { reason: 'authorization header too long', headers })
      const space = value.indexOf(' ')
      if (space === -1 || value.slice(0, space).toLowerCase() !== 'basic') {
        return refusal('HOOKGATE_CREDENTIALS_INVALID', { reason: 'authorization scheme is not Basic', headers })
      }
      const token = value.slice(space + 1).trim()
      const decoded = Buffer.from(token, 'base64')
      if (decoded.toString('base64') !== token || !decoded.includes(0x3a)) {
        return refusal('HOOKGATE_CREDENTIALS_INVALID', { reason: 'malformed Basic credentials', headers })
      }
      const provided = digest(decoded)
      let match = false
      for (const candidate of expected) match = timingSafeEqual(candidate, provided) || match
      return match ? undefined : refusal('HOOKGATE_CREDENTIALS_INVALID', { reason: 'unknown user or wrong password', headers })
    }
  }
}
