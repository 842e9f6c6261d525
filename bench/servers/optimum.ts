// The practical limit: the best hand-written Fastify receiver for Backchannel's job. Raw Buffer
// parser, createHmac + timingSafeEqual over the exact bytes, JSON.parse, precompiled ajv, Map lookup.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Ajv } from 'ajv'
import Fastify from 'fastify'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, OK_REPLY, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

const KEY = Buffer.from(BACKCHANNEL_SECRET)
const PREFIX = 'sha256='
const UNAUTHORIZED = { code: 'SIGNATURE_INVALID', message: 'signature does not match the request body' }
const NOT_AN_EVENT = { code: 'ENVELOPE_INVALID', message: 'event envelope is incomplete or malformed' }

export async function start (): Promise<RunningServer> {
  return await startOptimum(0)
}

/** The optimum, doing `extraMs` of busy work after each accepted event (the calibration server's knob). */
export async function startOptimum (extraMs: number): Promise<RunningServer> {
  const ajv = new Ajv()
  const routes = new Map([[EVENT_TYPE, { validate: ajv.compile(ORDER_SCHEMA), handler: async (_event: unknown) => {} }]])
  const app = Fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  app.post(PATH, async (request, reply) => {
    const body = request.body as Buffer
    const signature = request.headers['x-bc-signature']
    if (typeof signature !== 'string' || signature.length !== 71 || !signature.startsWith(PREFIX)) return reply.code(401).send(UNAUTHORIZED)
    const mac = Buffer.from(signature.slice(PREFIX.length), 'hex')
    if (mac.length !== 32 || !timingSafeEqual(createHmac('sha256', KEY).update(body).digest(), mac)) return reply.code(401).send(UNAUTHORIZED)
    let event: { id?: unknown, type?: unknown, data?: unknown }
    try {
      event = JSON.parse(body.toString('utf8')) as typeof event
    } catch {
      return reply.code(400).send(NOT_AN_EVENT)
    }
    if (typeof event !== 'object' || event === null || typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.data !== 'object' || event.data === null) {
      return reply.code(400).send(NOT_AN_EVENT)
    }
    const route = routes.get(event.type)
    if (route === undefined) return OK_REPLY
    if (!route.validate(event.data)) return reply.code(400).send({ code: 'PAYLOAD_INVALID', errors: route.validate.errors })
    await route.handler(event)
    if (extraMs > 0) for (const until = performance.now() + extraMs; performance.now() < until;) { /* busy */ }
    return OK_REPLY
  })
  return await listenFastify(app)
}
