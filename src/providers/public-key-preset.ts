import type { Envelope, Provider, WebhookEvent } from '../core/types.js'
import { publicKeyVerifier, type PublicKeyInput, type PublicKeyOptions } from '../verify/public-key.js'
import { toleranceOption } from '../verify/timestamp.js'
import { onlyKnownOptions } from './known-options.js'

/** What every public-key preset takes: the sender's key (several during a rotation) and a tolerance. */
export interface PublicKeyPresetOptions {
  publicKey: PublicKeyInput | readonly PublicKeyInput[]
  /** Largest distance of the signed timestamp from now, in seconds. @default 300 */
  tolerance?: number
}

/**
 * Builds a provider from a public-key scheme with a signed timestamp header and an envelope: the
 * shape Discord's and SendGrid's presets share. `keyName` says in errors which key the sender means,
 * `call` how the preset is called (its name and `()` unless spelled otherwise).
 */
export function publicKeyPreset<E extends WebhookEvent> (name: string, options: PublicKeyPresetOptions, scheme: Omit<PublicKeyOptions, 'keys' | 'timestamp'> & { timestamp: { header: string } }, envelope: Envelope<E>, keyName: string, call = `${name}()`): Provider<E> {
  if (options === null || typeof options !== 'object') throw new TypeError(`${call} needs { publicKey }`)
  onlyKnownOptions(options, call, ['publicKey', 'tolerance'])
  if (options.publicKey === undefined) throw new TypeError(`${call}: "publicKey" is required (${keyName})`)
  return Object.freeze({
    name,
    verifiers: Object.freeze([publicKeyVerifier({
      ...scheme,
      keys: options.publicKey,
      timestamp: { header: scheme.timestamp.header, unit: 's', tolerance: toleranceOption(options.tolerance, 300, 'tolerance') }
    })]),
    envelope
  })
}
