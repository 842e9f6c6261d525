import { existsSync } from 'node:fs'
import { CALIBRATION_EXTRA_US } from './config.js'
import type { Scheme } from './requests.js'

export type Role = 'ceiling' | 'optimum' | 'calibration' | 'hookgate' | 'peer'

export interface ServerSpec {
  /** The file bench/servers/<name>.ts. */
  readonly name: string
  readonly role: Role
  /** How its deliveries are signed. */
  readonly scheme: Scheme
  /** The hand-written optimum it is measured against: `optimum` (HMAC) or `bread-optimum` (JWS + Basic). */
  readonly optimum: 'optimum' | 'bread-optimum'
  readonly description: string
  /** A calibration server's known extra work per accepted request, in µs. */
  readonly extraUs?: number
}

/** Every server, in the order each round visits them. */
export const SERVERS: readonly ServerSpec[] = [
  { name: 'bare-fastify', role: 'ceiling', scheme: 'backchannel', optimum: 'optimum', description: "Fastify's default JSON route, no verification" },
  { name: 'optimum', role: 'optimum', scheme: 'backchannel', optimum: 'optimum', description: 'hand-written Fastify: buffer parser, createHmac + timingSafeEqual, JSON.parse, precompiled ajv, Map' },
  { name: 'optimum-plus-1500ns', role: 'calibration', scheme: 'backchannel', optimum: 'optimum', description: 'the optimum plus 1.5 µs of busy work per accepted request: how much a small per-request cost shows in these ratios', extraUs: CALIBRATION_EXTRA_US },
  { name: 'hookgate-backchannel', role: 'hookgate', scheme: 'backchannel', optimum: 'optimum', description: 'hookgate Fastify plugin, backchannel() preset' },
  { name: 'hookgate-backchannel-otel', role: 'hookgate', scheme: 'backchannel', optimum: 'optimum', description: 'hookgate-backchannel with the OpenTelemetry SDK on (instrumentHookgate(): spans and metrics recorded, not exported): the cost of observability per request' },
  { name: 'hookgate-backchannel-express', role: 'hookgate', scheme: 'backchannel', optimum: 'optimum', description: 'hookgate Express adapter (Express 5), backchannel() preset' },
  { name: 'hookgate-github-node', role: 'hookgate', scheme: 'github', optimum: 'optimum', description: 'hookgate node:http adapter, github() preset: the framework and scheme of the octokit peer' },
  { name: 'bread-optimum', role: 'optimum', scheme: 'bread', optimum: 'bread-optimum', description: 'hand-written Fastify: Basic, JWS header checks, jose flattenedVerify (key imported once), ce-* headers, JSON.parse, ajv, Map' },
  { name: 'hookgate-bread', role: 'hookgate', scheme: 'bread', optimum: 'bread-optimum', description: 'hookgate Fastify plugin, bread() preset (Basic + detached JWS + CloudEvents)' },
  { name: 'fastify-raw-body', role: 'peer', scheme: 'backchannel', optimum: 'optimum', description: 'fastify-raw-body recipe: JSON parsed by Fastify, HMAC over request.rawBody' },
  { name: 'octokit', role: 'peer', scheme: 'github', optimum: 'optimum', description: '@octokit/webhooks createNodeMiddleware on node:http (x-hub-signature-256)' },
  { name: 'standardwebhooks', role: 'peer', scheme: 'standard', optimum: 'optimum', description: 'standardwebhooks Webhook.verify() in Fastify (string body)' },
  { name: 'cloudevents', role: 'peer', scheme: 'cloudevents-hmac', optimum: 'optimum', description: 'cloudevents SDK HTTP.toEvent in Fastify, after an HMAC over the raw body' },
  { name: 'express-raw', role: 'peer', scheme: 'backchannel', optimum: 'optimum', description: 'Express 5: express.raw() + HMAC + JSON.parse + ajv' }
]

/**
 * The server of that name; a file of bench/servers/ that is not in the report (an experiment, say
 * x-something.ts) is taken as `scheme`'s hookgate server, so the tools can time or count it too.
 */
export function serverSpec (name: string, scheme: Scheme): ServerSpec {
  const listed = SERVERS.find((s) => s.name === name)
  if (listed !== undefined) return listed
  if (!existsSync(new URL(`../servers/${name}.ts`, import.meta.url))) {
    throw new TypeError(`unknown server "${name}": ${SERVERS.map((s) => s.name).join(', ')}, or a file of bench/servers/`)
  }
  return { name, role: 'hookgate', scheme, optimum: scheme === 'bread' ? 'bread-optimum' : 'optimum', description: name }
}
