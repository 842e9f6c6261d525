// Peer: the usual fastify-raw-body recipe. Fastify parses the JSON as on any route, the plugin keeps
// the raw bytes beside it, and the handler checks the HMAC over them (so even forgeries are parsed).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Ajv } from 'ajv'
import Fastify from 'fastify'
import rawBody from 'fastify-raw-body'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, OK_REPLY, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const validators = new Map([[EVENT_TYPE, new Ajv().compile(ORDER_SCHEMA)]])
  const app = Fastify()
  await app.register(rawBody, { field: 'rawBody', global: false, encoding: false, runFirst: true })
  app.post(PATH, { config: { rawBody: true } }, async (request, reply) => {
    const signature = request.headers['x-bc-signature']
    const expected = `sha256=${createHmac('sha256', BACKCHANNEL_SECRET).update(request.rawBody ?? '').digest('hex')}`
    if (typeof signature !== 'string' || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      return reply.code(401).send({ error: 'invalid signature' })
    }
    const event = request.body as { type?: unknown, data?: unknown }
    const validate = typeof event.type === 'string' ? validators.get(event.type) : undefined
    if (validate !== undefined && !validate(event.data)) return reply.code(400).send({ error: 'invalid payload', errors: validate.errors })
    return OK_REPLY
  })
  return await listenFastify(app)
}
