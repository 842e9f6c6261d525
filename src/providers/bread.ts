import type { Envelope, Provider } from '../core/types.js'
import { cloudEventsEnvelope, type CloudEvent, type CloudEventsMode } from '../envelopes/cloudevents.js'
import { basicAuthVerifier, type BasicCredentials } from '../verify/basic-auth.js'
import { scopedJwsVerifier, type DetachedJwsOptions, type JwsAlgorithm } from '../verify/jws-detached.js'
import { toleranceOption } from '../verify/timestamp.js'
import { onlyKnownOptions } from './known-options.js'

/** What every Bread event's data holds, whatever its type: the tenant it belongs to (always validated). */
export interface BreadData {
  readonly identity: { readonly tenantID: string, readonly [key: string]: unknown }
  readonly [key: string]: unknown
}

/** A Bread Payments event: a CloudEvent whose data carries `identity.tenantID`. */
export type BreadEvent<TData = BreadData> = CloudEvent<TData>

export const BREAD_SIGNATURE_HEADER = 'x-jws-signature'
export const BREAD_TIMESTAMP_HEADER = 'timestamp'
/** The `ce-source` of Bread's webhook events. */
export const BREAD_SOURCE = 'breadpayments.webhooks.webhook'

/** Every Bread event's data, whatever its type, names the tenant it belongs to. */
export const BREAD_IDENTITY_SCHEMA = Object.freeze({
  type: 'object',
  required: ['identity'],
  properties: {
    identity: {
      type: 'object',
      required: ['tenantID'],
      properties: { tenantID: { type: 'string', minLength: 1 } }
    }
  }
} as const)

export type BreadOptions = Pick<DetachedJwsOptions, 'keys' | 'jwks' | 'jwksUrl' | 'jwksOptions' | 'getKey'> & {
  /** The Basic credentials configured for the endpoint at Bread (several during a rotation). */
  basicAuth: BasicCredentials | readonly BasicCredentials[]
  /** Largest distance, in seconds, between the signed `Timestamp` and now, either way. @default 300 */
  tolerance?: number
  /** Accepted JWS algorithms. @default ['HS256'] */
  algorithms?: readonly JwsAlgorithm[]
  /** CloudEvents modes accepted; Bread sends binary mode. @default ['binary'] */
  modes?: readonly CloudEventsMode[]
}

/**
 * Bread Payments: CloudEvents in binary mode, `Authorization: Basic` and a detached JWS in
 * `X-Jws-Signature` whose critical `Timestamp` parameter must equal the `Timestamp` header.
 * Handlers are keyed by `ce-type`, optionally scoped by `ce-source`.
 * @example app.webhooks('/webhooks/bread', bread({ keys: { [kid]: secret }, basicAuth: { username, password } }))
 */
export function bread (options: BreadOptions): Provider<BreadEvent> {
  if (options === null || typeof options !== 'object') throw new TypeError('bread() needs { keys, basicAuth }')
  onlyKnownOptions(options, 'bread()', ['keys', 'jwks', 'jwksUrl', 'jwksOptions', 'getKey', 'basicAuth', 'tolerance', 'algorithms', 'modes'])
  if (options.basicAuth === undefined) {
    throw new TypeError('bread(): "basicAuth" is required: the ce-* headers carrying the event id and type are protected by it alone')
  }
  const { basicAuth, algorithms = ['HS256'], modes = ['binary'], keys, jwks, jwksUrl, jwksOptions, getKey } = options
  const tolerance = toleranceOption(options.tolerance, 300, 'tolerance')
  // Only the key-source options are passed on, so no stray option can change the header or timestamp rules.
  const keySource = Object.fromEntries(Object.entries({ keys, jwks, jwksUrl, jwksOptions, getKey }).filter(([, value]) => value !== undefined))
  return Object.freeze({
    name: 'bread',
    verifiers: Object.freeze([
      basicAuthVerifier({ credentials: basicAuth, realm: 'bread-webhooks' }, 'basicAuth'),
      // Option errors name bread()'s own options ("keys"), not the verifier's ("jws.keys").
      scopedJwsVerifier({
        header: BREAD_SIGNATURE_HEADER,
        algorithms,
        ...keySource,
        timestamp: { header: BREAD_TIMESTAMP_HEADER, parameter: 'Timestamp', tolerance }
      }, { owner: 'bread()', prefix: '' })
    ]),
    // dataSchema below validates every event's identity before any handler: the data is BreadData.
    envelope: cloudEventsEnvelope({ modes }) as Envelope<BreadEvent>,
    dataSchema: BREAD_IDENTITY_SCHEMA
  })
}
