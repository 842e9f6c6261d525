// Peer: the cloudevents SDK's HTTP.toEvent path in Fastify (binary mode), after an HMAC over the raw
// body in X-BC-Signature; dispatch by source + type and ajv validation of the data.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Ajv } from 'ajv'
import { HTTP, type CloudEventV1 } from 'cloudevents'
import Fastify from 'fastify'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, BREAD_SOURCE, EVENT_TYPE, OK_REPLY, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const validators = new Map([[`${BREAD_SOURCE} ${EVENT_TYPE}`, new Ajv().compile(ORDER_SCHEMA)]])
  const app = Fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  app.post(PATH, async (request, reply) => {
    const body = request.body as Buffer
    const signature = request.headers['x-bc-signature']
    const expected = `sha256=${createHmac('sha256', BACKCHANNEL_SECRET).update(body).digest('hex')}`
    if (typeof signature !== 'string' || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      return reply.code(401).send({ error: 'invalid signature' })
    }
    let event: CloudEventV1<unknown>
    try {
      event = HTTP.toEvent({ headers: request.headers, body: body.toString('utf8') }) as CloudEventV1<unknown>
    } catch {
      return reply.code(400).send({ error: 'not a CloudEvent' })
    }
    const validate = validators.get(`${event.source} ${event.type}`)
    if (validate !== undefined && !validate(event.data)) return reply.code(400).send({ error: 'invalid payload', errors: validate.errors })
    return OK_REPLY
  })
  return await listenFastify(app)
}
