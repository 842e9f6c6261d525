import type { FastifySchema, RouteShorthandOptions } from 'fastify'

/**
 * Fastify route options for a webhook route, passed through as given: what plugins read per route
 * (`config.rateLimit` for @fastify/rate-limit, `schema.hide`/`summary`/`tags` for @fastify/swagger),
 * log settings, constraints and hooks. Hooks run before hookgate's own checks.
 */
type PassedThrough = 'config' | 'logLevel' | 'logSerializers' | 'childLoggerFactory' | 'constraints' |
  'onRequest' | 'preValidation' | 'preHandler' | 'preSerialization' | 'onSend' | 'onResponse' | 'onError' | 'onTimeout' | 'onRequestAbort'

export type WebhookRouteOptions = Pick<RouteShorthandOptions, PassedThrough> & {
  /** For documentation (@fastify/swagger) and header or query validation; the body and the replies are hookgate's. */
  schema?: Omit<FastifySchema, 'body' | 'response'>
}

const PASSED_THROUGH = new Set(['config', 'logLevel', 'logSerializers', 'childLoggerFactory', 'constraints', 'onRequest', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onResponse', 'onError', 'onTimeout', 'onRequestAbort', 'schema'])

/** Why an option Fastify takes on a route would break a webhook route. */
const REFUSED: Readonly<Record<string, string>> = {
  bodyLimit: 'set hookgate\'s own "bodyLimit": the route reads the body with that limit',
  handlerTimeout: 'set hookgate\'s own "handlerTimeout"',
  preParsing: 'a preParsing hook would change the bytes before they are verified',
  errorHandler: 'hookgate answers the route\'s errors itself, as its HTTP contract says',
  validatorCompiler: 'the body is verified as raw bytes, not validated by Fastify',
  serializerCompiler: 'hookgate\'s replies are its HTTP contract',
  schemaErrorFormatter: 'the body is verified as raw bytes, not validated by Fastify',
  attachValidation: 'the body is verified as raw bytes, not validated by Fastify',
  method: 'the route is hookgate\'s',
  url: 'the route is hookgate\'s',
  path: 'the route is hookgate\'s',
  handler: 'the route is hookgate\'s'
}

const REFUSED_SCHEMA: Readonly<Record<string, string>> = {
  body: 'the body is verified as raw bytes before anything parses it; give event schemas to hookgate',
  response: 'hookgate\'s replies are its HTTP contract: a response schema would serialise them differently'
}

/** Throws a `TypeError` naming the first route option that is unknown or would break verification. */
export function checkRouteOptions (route: unknown, where: string): WebhookRouteOptions {
  if (route === undefined) return {}
  if (route === null || typeof route !== 'object' || Array.isArray(route)) throw new TypeError(`${where}: "route" must be an object of Fastify route options`)
  for (const key of Object.keys(route)) {
    const reason = REFUSED[key]
    if (reason !== undefined) throw new TypeError(`${where}: "route.${key}" is not allowed on a webhook route: ${reason}`)
    if (!PASSED_THROUGH.has(key)) throw new TypeError(`${where}: "route.${key}" is not passed through to a webhook route; these are: ${[...PASSED_THROUGH].join(', ')}`)
  }
  const { schema } = route as { schema?: unknown }
  if (schema !== undefined && (schema === null || typeof schema !== 'object')) throw new TypeError(`${where}: "route.schema" must be an object`)
  for (const key of Object.keys(schema ?? {})) {
    const reason = REFUSED_SCHEMA[key]
    if (reason !== undefined) throw new TypeError(`${where}: "route.schema.${key}" is not allowed on a webhook route: ${reason}`)
  }
  return route as WebhookRouteOptions
}
