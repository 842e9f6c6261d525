import type { Envelope, Provider, WebhookEvent } from '../core/types.js'
import { jsonTypeEnvelope, type JsonTypeEnvelopeOptions, type JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacVerifier, type HmacOptions } from '../verify/hmac.js'
import { secretProvider, type SecretSource } from '../verify/secrets.js'
import { onlyKnownOptions } from './known-options.js'

/** What every HMAC preset takes: its secret (or several, or a function), exclusive. */
export type SecretOptions =
  | { /** The signing secret, or a function returning it (sync or async). */ secret: SecretSource, secrets?: never }
  | { /** Several secrets during a rotation; any one may match. */ secrets: SecretSource, secret?: never }

/**
 * Builds a provider from an HMAC scheme and an envelope (the options of `jsonTypeEnvelope()`, or an
 * envelope of its own, such as a batch's), as plain data: the shape every HMAC
 * preset shares. The secret is checked here so that a mistake names the option the user wrote, and
 * the preset as it is called (`preset.call`, where the provider's name is spelled otherwise). Given
 * `preset.options` (the preset's own option names), any other option than those and the secret is refused.
 */
export function hmacPreset<E extends WebhookEvent = JsonTypeEvent> (name: string, options: SecretOptions, scheme: Omit<HmacOptions, 'secrets'>, envelope: JsonTypeEnvelopeOptions | Envelope<E>, preset: { call?: string, options?: readonly string[] } = {}): Provider<E> {
  const call = preset.call ?? `${name}()`
  if (options === null || typeof options !== 'object') throw new TypeError(`${call} needs { secret }`)
  if (preset.options !== undefined) onlyKnownOptions(options, call, ['secret', 'secrets', ...preset.options])
  if (options.secret !== undefined && options.secrets !== undefined) throw new TypeError(`${call}: give "secret" or "secrets", not both`)
  const given = options.secret ?? options.secrets
  if (given === undefined) throw new TypeError(`${call}: "secret" is required`)
  const secrets = secretProvider(given, options.secret === undefined ? 'secrets' : 'secret')
  return Object.freeze({
    name,
    verifiers: Object.freeze([hmacVerifier({ ...scheme, secrets })]),
    envelope: 'open' in envelope ? envelope : jsonTypeEnvelope(envelope) as unknown as Envelope<E>
  })
}
