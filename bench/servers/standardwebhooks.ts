// Peer: the standardwebhooks library (webhook-id / webhook-timestamp / webhook-signature) in Fastify,
// with the body kept as a string for its verify(), which also parses the JSON.
import { Ajv } from 'ajv'
import Fastify from 'fastify'
import { Webhook } from 'standardwebhooks'
import { PATH } from '../lib/config.js'
import { EVENT_TYPE, OK_REPLY, ORDER_SCHEMA, STANDARD_SECRET } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const wh = new Webhook(STANDARD_SECRET)
  const validators = new Map([[EVENT_TYPE, new Ajv().compile(ORDER_SCHEMA)]])
  const app = Fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  app.post(PATH, async (request, reply) => {
    let event: { type?: unknown, data?: unknown }
    try {
      event = wh.verify(request.body as string, request.headers as Record<string, string>) as typeof event
    } catch {
      return reply.code(401).send({ error: 'invalid signature' })
    }
    const validate = typeof event.type === 'string' ? validators.get(event.type) : undefined
    if (validate !== undefined && !validate(event.data)) return reply.code(400).send({ error: 'invalid payload', errors: validate.errors })
    return OK_REPLY
  })
  return await listenFastify(app)
}
