import type { Provider } from '../core/types.js'
import type { JsonTypeEvent } from '../envelopes/json-type.js'
import { hmacPreset, type SecretOptions } from './hmac-preset.js'

/** A GitHub delivery: the whole body is `data`; `type` is `<X-GitHub-Event>.<action>` (`issues.opened`) or the event alone (`push`). */
export type GitHubEvent<TData = unknown> = JsonTypeEvent<TData>

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body (no signed timestamp: de-duplicate
 * by `X-GitHub-Delivery`, the event id). Send JSON (`application/json` in the webhook settings).
 */
export function github (options: SecretOptions): Provider<GitHubEvent> {
  return hmacPreset('github', options, {
    header: 'x-hub-signature-256',
    format: { kind: 'single', prefix: 'sha256=' }
  }, { id: { header: 'x-github-delivery' }, type: { header: 'x-github-event', suffix: { path: 'action' } }, data: 'body', createdAt: [] }, { options: [] })
}
