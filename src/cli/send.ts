import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { signBackchannel } from '../testing/backchannel.js'
import { signBread } from '../testing/bread.js'
import { signDiscord, signSendGrid } from '../testing/public-key.js'
import { signGithub, signShopify, signSlack, signStandardWebhooks, signStripe } from '../testing/senders.js'
import { mailgunBody, signHubSpot, signIntercom, signLinear, signMeta, signPaddle, signSquare, signTwilio, signTwitch, signZoom } from '../testing/more-senders.js'
import { failed, UsageError } from './usage.js'

export const SEND_USAGE = `usage: hookgate sign <preset> [options]          print the headers the sender would send with the body
       hookgate send <preset> <url> [options]    sign and POST it, print the status and the reply

presets: backchannel, stripe, github, shopify, slack, slack-command, standard-webhooks, svix, discord,
         discord-interactions, sendgrid, bread, paddle, intercom, linear, twitch, zoom, meta, square,
         hubspot, twilio, mailgun, postmark, or any through --signer <module> (its default export:
         (body, options) => headers)

the body:
  --event <file>        the exact bytes to send (a JSON file as the sender would send it)
  --type <type> [--data <json>] [--id <id>]
                        or a { id, type, created_at, data } event built from these
                        (twilio, slack-command: --data holds the form parameters; mailgun: the event-data)

the key:
  --secret <secret>     the shared secret (HMAC presets, bread's JWS key, twilio's auth token, mailgun's signing key)
  --url <url>           sign only: the URL the sender will call (twilio, square, hubspot sign it)
  --private-key <file>  a PEM private key (discord, discord-interactions: Ed25519; sendgrid: P-256)
  --kid <kid> --basic <user:password>   bread's key id and Basic credentials

send:
  --forge               sign with a random key instead: the endpoint must refuse it (exit 1 on a 2xx)
  --repeat <n>          send the same signed request n times (a redelivery, for de-duplication)
  --timeout <seconds>   give up on a reply after this long (default: 10)`

interface SignOptions {
  /** The URL the request goes to (send), or `--url` (sign): Twilio, Square and HubSpot sign it. */
  readonly url: string | undefined
  /** `--data`, parsed: the parameters of a Twilio form, Mailgun's event-data. */
  readonly data: unknown
  readonly secret: string | undefined
  readonly privateKey: string | undefined
  readonly type: string | undefined
  readonly id: string | undefined
  readonly kid: string | undefined
  readonly basic: string | undefined
}

/** The headers, or the headers and the body for senders whose body carries the signature or is not JSON. */
type Signer = (body: Buffer, options: SignOptions) => Readonly<Record<string, string>> | { readonly headers: Readonly<Record<string, string>>, readonly body: Buffer }

const record = (data: unknown): Record<string, string> => Object.fromEntries(Object.entries(data !== null && typeof data === 'object' ? data : {}).map(([k, v]) => [k, String(v)]))

function need<T> (value: T | undefined, flag: string, preset: string): T {
  if (value === undefined) throw new UsageError(`${preset} needs ${flag}`)
  return value
}

const SIGNERS: Readonly<Record<string, Signer>> = {
  backchannel: (body, o) => signBackchannel(body, need(o.secret, '--secret', 'backchannel')),
  stripe: (body, o) => signStripe(body, need(o.secret, '--secret', 'stripe')),
  github: (body, o) => signGithub(body, need(o.secret, '--secret', 'github'), { event: need(o.type, '--type (the X-GitHub-Event)', 'github'), ...(o.id === undefined ? {} : { delivery: o.id }) }),
  shopify: (body, o) => signShopify(body, need(o.secret, '--secret', 'shopify'), { topic: need(o.type, '--type (the topic)', 'shopify'), ...(o.id === undefined ? {} : { eventId: o.id }) }),
  slack: (body, o) => signSlack(body, need(o.secret, '--secret', 'slack')),
  'slack-command': (_body, o) => {
    const form = Buffer.from(new URLSearchParams(record(o.data)).toString())
    return { headers: signSlack(form, need(o.secret, '--secret', 'slack-command')), body: form }
  },
  'standard-webhooks': (body, o) => signStandardWebhooks(body, need(o.secret, '--secret', 'standard-webhooks'), o.id === undefined ? {} : { id: o.id }),
  svix: (body, o) => signStandardWebhooks(body, need(o.secret, '--secret', 'svix'), { headerPrefix: 'svix', ...(o.id === undefined ? {} : { id: o.id }) }),
  discord: (body, o) => signDiscord(body, need(o.privateKey, '--private-key', 'discord')),
  'discord-interactions': (body, o) => signDiscord(body, need(o.privateKey, '--private-key', 'discord-interactions')),
  sendgrid: (body, o) => signSendGrid(body, need(o.privateKey, '--private-key', 'sendgrid')),
  paddle: (body, o) => signPaddle(body, need(o.secret, '--secret', 'paddle')),
  intercom: (body, o) => signIntercom(body, need(o.secret, '--secret', 'intercom')),
  linear: (body, o) => signLinear(body, need(o.secret, '--secret', 'linear'), o.id === undefined ? {} : { delivery: o.id }),
  twitch: (body, o) => signTwitch(body, need(o.secret, '--secret', 'twitch'), o.id === undefined ? {} : { id: o.id }),
  zoom: (body, o) => signZoom(body, need(o.secret, '--secret', 'zoom')),
  meta: (body, o) => signMeta(body, need(o.secret, '--secret (the app secret)', 'meta')),
  square: (body, o) => signSquare(body, need(o.secret, '--secret', 'square'), need(o.url, 'the URL (--url for sign)', 'square')),
  hubspot: (body, o) => signHubSpot(body, need(o.secret, '--secret', 'hubspot'), need(o.url, 'the URL (--url for sign)', 'hubspot')),
  twilio: (_body, o) => {
    const params = record(o.data)
    return { headers: signTwilio(params, need(o.secret, '--secret (the auth token)', 'twilio'), need(o.url, 'the URL (--url for sign)', 'twilio')), body: Buffer.from(new URLSearchParams(params).toString()) }
  },
  mailgun: (_body, o) => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(mailgunBody(record(o.data), need(o.secret, '--secret (the signing key)', 'mailgun'))) }),
  postmark: (_body, o) => ({ authorization: `Basic ${Buffer.from(need(o.basic, '--basic <user:password>', 'postmark')).toString('base64')}` }),
  bread: (body, o) => {
    const [username = '', password = ''] = need(o.basic, '--basic <user:password>', 'bread').split(/:(.*)/s)
    return signBread(body, { kid: need(o.kid, '--kid', 'bread'), secret: need(o.secret, '--secret', 'bread'), basicAuth: { username, password }, ...(o.type === undefined ? {} : { ceType: o.type }), ...(o.id === undefined ? {} : { ceId: o.id }) })
  }
}

/** What signs for `--forge`: the same preset with a key nobody configured. */
function forged (options: SignOptions, preset: string): SignOptions {
  if (preset === 'discord' || preset === 'discord-interactions') return { ...options, privateKey: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }
  if (preset === 'sendgrid') return { ...options, privateKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }
  const secret = preset === 'standard-webhooks' || preset === 'svix' ? `whsec_${randomBytes(24).toString('base64')}` : randomBytes(24).toString('hex')
  return { ...options, secret, ...(options.basic === undefined ? {} : { basic: `forged:${randomBytes(12).toString('hex')}` }) }
}

async function signerFor (preset: string, module: string | undefined): Promise<Signer> {
  if (module !== undefined) {
    const loaded = await import(pathToFileURL(isAbsolute(module) ? module : resolve(module)).href) as { default?: unknown }
    if (typeof loaded.default !== 'function') throw new UsageError(`--signer ${module} must export a function (body, options) => headers as its default`)
    return loaded.default as Signer
  }
  const signer = SIGNERS[preset]
  if (signer === undefined) throw new UsageError(`unknown preset "${preset}": ${Object.keys(SIGNERS).join(', ')}, or --signer <module>`)
  return signer
}

function dataOf (text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '{}')
  } catch {
    throw new UsageError('--data must be JSON')
  }
}

function bodyOf (values: { event?: string | undefined, type?: string | undefined, data?: string | undefined, id?: string | undefined }): Buffer {
  if (values.event !== undefined) return readFileSync(values.event)
  if (values.type === undefined && values.data !== undefined) return Buffer.from(JSON.stringify(dataOf(values.data)))
  if (values.type === undefined) throw new UsageError('give --event <file>, --type <type> or --data <json>')
  return Buffer.from(JSON.stringify({ id: values.id ?? `evt_${randomUUID()}`, type: values.type, created_at: Math.floor(Date.now() / 1000), data: dataOf(values.data) }))
}

/**
 * `hookgate sign` and `hookgate send`: signs a test event with a preset's test signer (what the
 * sender's own code would send) and prints the headers, or posts it and prints the reply.
 */
export async function runSend (argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        event: { type: 'string' },
        type: { type: 'string' },
        data: { type: 'string' },
        id: { type: 'string' },
        secret: { type: 'string' },
        'private-key': { type: 'string' },
        kid: { type: 'string' },
        basic: { type: 'string' },
        url: { type: 'string' },
        signer: { type: 'string' },
        forge: { type: 'boolean' },
        repeat: { type: 'string' },
        timeout: { type: 'string' }
      }
    })
    const [command, preset, url, ...rest] = positionals
    if ((command !== 'sign' && command !== 'send') || preset === undefined || rest.length > 0 || (command === 'send') !== (url !== undefined)) {
      throw new UsageError(command === 'send' ? 'expected: send <preset> <url>' : 'expected: sign <preset>')
    }
    const body = bodyOf(values)
    const options: SignOptions = {
      url: command === 'send' ? url : values.url,
      data: dataOf(values.data),
      secret: values.secret,
      privateKey: values['private-key'] === undefined ? undefined : readFileSync(values['private-key'], 'utf8'),
      type: values.type,
      id: values.id,
      kid: values.kid,
      basic: values.basic
    }
    const signer = await signerFor(preset, values.signer)
    const signed = signer(body, values.forge === true ? forged(options, preset) : options)
    const own = Buffer.isBuffer((signed as { body?: unknown }).body) ? signed as { headers: Readonly<Record<string, string>>, body: Buffer } : undefined
    const headers = { 'content-type': 'application/json', ...(own === undefined ? signed as Readonly<Record<string, string>> : own.headers) }
    const payload = own?.body ?? body
    if (command === 'sign') {
      for (const [name, value] of Object.entries(headers)) out(`${name}: ${value}`)
      // A body the signer built itself (a Twilio form, a Mailgun body with its signature) follows a blank line.
      if (own !== undefined) out(`\n${own.body.toString('utf8')}`)
      return 0
    }
    const repeat = Number(values.repeat ?? 1)
    if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat > 1000) throw new UsageError('--repeat must be a whole number from 1 to 1000')
    const timeout = Number(values.timeout ?? 10) * 1000
    if (!(timeout > 0 && timeout <= 3_600_000)) throw new UsageError('--timeout must be a number of seconds')
    let failed = false
    for (let i = 0; i < repeat; i++) {
      const reply = await fetch(url as string, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeout) })
      const text = await reply.text()
      out(`${reply.status} ${text}`)
      const ok = reply.status >= 200 && reply.status < 300
      if (ok === (values.forge === true)) failed = true
    }
    return failed ? 1 : 0
  } catch (error) {
    return failed(error, SEND_USAGE, err)
  }
}
