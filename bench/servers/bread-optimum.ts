// The practical limit for Bread's job, hand-written: Basic credentials compared in constant time,
// the detached JWS header parsed and checked by hand (alg, crit, Timestamp = header, ±300 s, kid),
// the signature checked by jose's flattenedVerify with a key imported once, then CloudEvents headers,
// JSON.parse, precompiled ajv and a Map lookup by source + type.
import { timingSafeEqual, webcrypto } from 'node:crypto'
import { Ajv } from 'ajv'
import Fastify from 'fastify'
import { flattenedVerify } from 'jose'
import { PATH } from '../lib/config.js'
import { BREAD_BASIC, BREAD_KID, BREAD_SECRET, BREAD_SOURCE, EVENT_TYPE, IDENTITY_SCHEMA, OK_REPLY, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenFastify, type RunningServer } from '../lib/listen.js'

const BASIC = Buffer.from(`Basic ${Buffer.from(`${BREAD_BASIC.username}:${BREAD_BASIC.password}`).toString('base64')}`)
const TOLERANCE_MS = 300_000
const UNAUTHORIZED = { code: 'SIGNATURE_INVALID', message: 'signature does not match the request body' }
const NOT_AN_EVENT = { code: 'ENVELOPE_INVALID', message: 'event envelope is incomplete or malformed' }
const VERIFY_OPTIONS = { algorithms: ['HS256'], crit: { Timestamp: true } }

function header (value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export async function start (): Promise<RunningServer> {
  const keys = new Map([[BREAD_KID, await webcrypto.subtle.importKey('raw', Buffer.from(BREAD_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])]])
  const ajv = new Ajv()
  const identity = ajv.compile(IDENTITY_SCHEMA)
  const routes = new Map([[`${BREAD_SOURCE} ${EVENT_TYPE}`, { validate: ajv.compile(ORDER_SCHEMA), handler: async (_event: unknown) => {} }]])
  const app = Fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  app.post(PATH, async (request, reply) => {
    const body = request.body as Buffer
    const h = request.headers
    const authorization = Buffer.from(header(h.authorization) ?? '')
    if (authorization.length !== BASIC.length || !timingSafeEqual(authorization, BASIC)) return reply.code(401).send(UNAUTHORIZED)
    const jws = header(h['x-jws-signature'])?.split('.')
    if (jws?.length !== 3 || jws[1] !== '') return reply.code(401).send(UNAUTHORIZED)
    const [protectedPart = '', , signature = ''] = jws
    let jwsHeader: { alg?: unknown, kid?: unknown, crit?: unknown, Timestamp?: unknown }
    try {
      jwsHeader = JSON.parse(Buffer.from(protectedPart, 'base64url').toString('utf8')) as typeof jwsHeader
    } catch {
      return reply.code(401).send(UNAUTHORIZED)
    }
    const timestamp = header(h.timestamp)
    if (jwsHeader.alg !== 'HS256' || !Array.isArray(jwsHeader.crit) || jwsHeader.crit.length !== 1 || jwsHeader.crit[0] !== 'Timestamp' ||
      timestamp === undefined || jwsHeader.Timestamp !== timestamp || !(Math.abs(Date.parse(timestamp) - Date.now()) <= TOLERANCE_MS)) {
      return reply.code(401).send(UNAUTHORIZED)
    }
    const key = typeof jwsHeader.kid === 'string' ? keys.get(jwsHeader.kid) : undefined
    if (key === undefined) return reply.code(401).send(UNAUTHORIZED)
    try {
      await flattenedVerify({ protected: protectedPart, payload: body.toString('base64url'), signature }, key, VERIFY_OPTIONS)
    } catch {
      return reply.code(401).send(UNAUTHORIZED)
    }
    const id = header(h['ce-id'])
    const source = header(h['ce-source'])
    const type = header(h['ce-type'])
    if (h['ce-specversion'] !== '1.0' || id === undefined || source === undefined || type === undefined) return reply.code(400).send(NOT_AN_EVENT)
    let data: unknown
    try {
      data = JSON.parse(body.toString('utf8'))
    } catch {
      return reply.code(400).send(NOT_AN_EVENT)
    }
    if (!identity(data)) return reply.code(400).send({ code: 'PAYLOAD_INVALID', errors: identity.errors })
    const route = routes.get(`${source} ${type}`)
    if (route === undefined) return OK_REPLY
    if (!route.validate(data)) return reply.code(400).send({ code: 'PAYLOAD_INVALID', errors: route.validate.errors })
    await route.handler({ id, source, type, data })
    return OK_REPLY
  })
  return await listenFastify(app)
}
