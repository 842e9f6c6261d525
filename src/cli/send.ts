import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { signBackchannel } from '../testing/backchannel.js'
import { signBread } from '../testing/bread.js'
import { signDiscord, signSendGrid } from '../testing/public-key.js'
import { signGithub, signShopify, signSlack, signStandardWebhooks, signStripe } from '../testing/senders.js'
import { failed, UsageError } from './usage.js'

export const SEND_USAGE = `usage: hookgate sign <preset> [options]          print the headers the sender would send with the body
       hookgate send <preset> <url> [options]    sign and POST it, print the status and the reply

presets: ${'backchannel, stripe, github, shopify, slack, standard-webhooks, svix, discord, sendgrid, bread'}, or any
         through --signer <module> (its default export: (body, options) => headers)

the body:
  --event <file>        the exact bytes to send (a JSON file as the sender would send it)
  --type <type> [--data <json>] [--id <id>]
                        or a { id, type, created_at, data } event built from these

the key:
  --secret <secret>     the shared secret (HMAC presets, bread's JWS key)
  --private-key <file>  a PEM private key (discord: Ed25519, sendgrid: P-256)
  --kid <kid> --basic <user:password>   bread's key id and Basic credentials

send:
  --forge               sign with a random key instead: the endpoint must refuse it (exit 1 on a 2xx)
  --repeat <n>          send the same signed request n times (a redelivery, for de-duplication)
  --timeout <seconds>   give up on a reply after this long (default: 10)`

interface SignOptions {
  readonly secret: string | undefined
  readonly privateKey: string | undefined
  readonly type: string | undefined
  readonly id: string | undefined
  readonly kid: string | undefined
  readonly basic: string | undefined
}

type Signer = (body: Buffer, options: SignOptions) => Readonly<Record<string, string>>

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
  'standard-webhooks': (body, o) => signStandardWebhooks(body, need(o.secret, '--secret', 'standard-webhooks'), o.id === undefined ? {} : { id: o.id }),
  svix: (body, o) => signStandardWebhooks(body, need(o.secret, '--secret', 'svix'), { headerPrefix: 'svix', ...(o.id === undefined ? {} : { id: o.id }) }),
  discord: (body, o) => signDiscord(body, need(o.privateKey, '--private-key', 'discord')),
  sendgrid: (body, o) => signSendGrid(body, need(o.privateKey, '--private-key', 'sendgrid')),
  bread: (body, o) => {
    const [username = '', password = ''] = need(o.basic, '--basic <user:password>', 'bread').split(/:(.*)/s)
    return signBread(body, { kid: need(o.kid, '--kid', 'bread'), secret: need(o.secret, '--secret', 'bread'), basicAuth: { username, password }, ...(o.type === undefined ? {} : { ceType: o.type }), ...(o.id === undefined ? {} : { ceId: o.id }) })
  }
}

/** What signs for `--forge`: the same preset with a key nobody configured. */
function forged (options: SignOptions, preset: string): SignOptions {
  if (preset === 'discord') return { ...options, privateKey: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }
  if (preset === 'sendgrid') return { ...options, privateKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }
  const secret = preset === 'standard-webhooks' || preset === 'svix' ? `whsec_${randomBytes(24).toString('base64')}` : randomBytes(24).toString('hex')
  return { ...options, secret }
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

function bodyOf (values: { event?: string | undefined, type?: string | undefined, data?: string | undefined, id?: string | undefined }): Buffer {
  if (values.event !== undefined) return readFileSync(values.event)
  if (values.type === undefined) throw new UsageError('give --event <file> or --type <type>')
  let data: unknown
  try {
    data = JSON.parse(values.data ?? '{}')
  } catch {
    throw new UsageError('--data must be JSON')
  }
  return Buffer.from(JSON.stringify({ id: values.id ?? `evt_${randomUUID()}`, type: values.type, created_at: Math.floor(Date.now() / 1000), data }))
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
      secret: values.secret,
      privateKey: values['private-key'] === undefined ? undefined : readFileSync(values['private-key'], 'utf8'),
      type: values.type,
      id: values.id,
      kid: values.kid,
      basic: values.basic
    }
    const signer = await signerFor(preset, values.signer)
    const headers = { 'content-type': 'application/json', ...signer(body, values.forge === true ? forged(options, preset) : options) }
    if (command === 'sign') {
      for (const [name, value] of Object.entries(headers)) out(`${name}: ${value}`)
      return 0
    }
    const repeat = Number(values.repeat ?? 1)
    if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat > 1000) throw new UsageError('--repeat must be a whole number from 1 to 1000')
    const timeout = Number(values.timeout ?? 10) * 1000
    if (!(timeout > 0 && timeout <= 3_600_000)) throw new UsageError('--timeout must be a number of seconds')
    let failed = false
    for (let i = 0; i < repeat; i++) {
      const reply = await fetch(url as string, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeout) })
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
