// hookgate in a Fastify app's own conventions: schemas shared with app.addSchema(), and route options
// for the plugins an app already runs (@fastify/rate-limit, @fastify/swagger), hooks and constraints.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import Fastify, { type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import hookgate, { type Provider } from '../../src/index.js'
import { backchannel } from '../../src/providers/index.js'
import { backchannelRequest } from '../../src/testing/index.js'

const SECRET = 'fastify-native-secret'
const ORDER = { $id: 'order', type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } } as const
const delivery = (id: string, data: Record<string, unknown> = { amount: 1 }, url = '/wh'): ReturnType<typeof backchannelRequest> =>
  backchannelRequest({ id, type: 'order.created', created_at: 1708456200, data }, SECRET, { url })

/** The Backchannel provider, counting how many requests reached signature verification. */
function counted (): { provider: Provider, verified: () => number } {
  const provider = backchannel({ secret: SECRET })
  let count = 0
  const [verifier] = provider.verifiers
  if (verifier === undefined) throw new Error('no verifier')
  const countingProvider = { ...provider, verifiers: [{ ...verifier, verify: (request: Parameters<typeof verifier.verify>[0]) => { count++; return verifier.verify(request) } }] }
  return { provider: countingProvider, verified: () => count }
}

async function app (t: TestContext): Promise<FastifyInstance> {
  const instance = Fastify()
  t.after(() => instance.close())
  await instance.register(hookgate)
  return instance
}

test('event schemas $ref schemas added with app.addSchema(), in the endpoint\'s context or a parent, compiled once', async (t) => {
  const root = await app(t)
  const ran: string[] = []
  root.addSchema(ORDER)
  root.webhooks('/wh', backchannel({ secret: SECRET }), { events: { 'order.created': { $ref: 'order#' } } }).on('order.created', (event) => { ran.push(event.id) })
  await root.register(async (child) => {
    child.addSchema({ $id: 'note', type: 'object', required: ['note'], properties: { note: { type: 'string' } } })
    child.webhooks('/child', backchannel({ secret: SECRET })).on('order.created', { schema: { allOf: [{ $ref: 'order#' }, { $ref: 'note#' }] } }, (event) => { ran.push(event.id) })
  })
  await root.ready()
  assert.equal((await root.inject(delivery('evt_ok'))).statusCode, 200)
  const invalid = await root.inject(delivery('evt_bad', { amount: 'x' }))
  assert.equal(invalid.statusCode, 400)
  assert.deepEqual(invalid.json().errors, [{ path: '/amount', message: 'must be integer' }])
  assert.equal((await root.inject(delivery('evt_child', { amount: 2, note: 'n' }, '/child'))).statusCode, 200)
  assert.equal((await root.inject(delivery('evt_child_bad', { amount: 2 }, '/child'))).statusCode, 400)
  assert.deepEqual(ran, ['evt_ok', 'evt_child'])
})

test('a $ref to a schema the endpoint\'s context does not have is a startup error naming the event type and the $ref', async (t) => {
  const root = await app(t)
  await root.register(async (child) => { child.addSchema(ORDER) })
  assert.throws(() => root.webhooks('/wh', backchannel({ secret: SECRET }), { events: { 'order.created': { $ref: 'order#' } } }), {
    name: 'TypeError',
    message: /the schema for event "order\.created" is invalid: \$ref "order#?" does not resolve: .*app\.addSchema\(\)/
  })
})

test('two contexts giving different schemas one $id is a startup error; the same schema in both is fine', async (t) => {
  const root = await app(t)
  await root.register(async (child) => {
    child.addSchema(ORDER)
    child.webhooks('/a', backchannel({ secret: SECRET })).on('order.created', { schema: { $ref: 'order#' } }, () => {})
  })
  await root.register(async (child) => {
    child.addSchema(ORDER)
    child.webhooks('/b', backchannel({ secret: SECRET })).on('order.created', { schema: { $ref: 'order#' } }, () => {})
  })
  await assert.rejects(async () => {
    await root.register(async (child) => {
      child.addSchema({ ...ORDER, required: [] })
      child.webhooks('/c', backchannel({ secret: SECRET }))
    })
  }, /webhooks\("\/c"\): the shared schema "order" differs/)
})

test('route.config reaches @fastify/rate-limit: the request over the limit gets 429 before any signature work', async (t) => {
  const instance = Fastify()
  t.after(() => instance.close())
  await instance.register(rateLimit, { global: false })
  await instance.register(hookgate)
  const { provider, verified } = counted()
  instance.webhooks('/wh', provider, { route: { config: { rateLimit: { max: 2, timeWindow: '1 minute' } } } }).on('order.created', () => {})
  await instance.ready()
  assert.deepEqual([(await instance.inject(delivery('evt_1'))).statusCode, (await instance.inject(delivery('evt_2'))).statusCode, (await instance.inject(delivery('evt_3'))).statusCode], [200, 200, 429])
  assert.equal(verified(), 2)
})

test('route.schema reaches @fastify/swagger: a route documented with its summary and tags, another hidden', async (t) => {
  const instance = Fastify()
  t.after(() => instance.close())
  await instance.register(swagger, { openapi: { info: { title: 'hooks', version: '1' } } })
  await instance.register(hookgate)
  instance.webhooks('/wh', backchannel({ secret: SECRET }), { route: { schema: { summary: 'Backchannel orders', tags: ['webhooks'] } } })
  instance.webhooks('/hidden', backchannel({ secret: SECRET }), { route: { schema: { hide: true } } })
  await instance.ready()
  const paths = (instance.swagger() as { paths: Record<string, { post?: { summary?: string, tags?: string[] } }> }).paths
  assert.deepEqual(paths['/wh']?.post?.summary, 'Backchannel orders')
  assert.deepEqual(paths['/wh']?.post?.tags, ['webhooks'])
  assert.equal(paths['/hidden'], undefined)
})

test('route hooks run before hookgate\'s checks, and constraints and logLevel apply', async (t) => {
  const instance = await app(t)
  const { provider, verified } = counted()
  instance.webhooks('/wh', provider, {
    route: {
      logLevel: 'silent',
      constraints: { host: 'hooks.example.com' },
      onRequest: (request, reply, done) => { if (request.headers['x-forwarded-for'] === '203.0.113.9') void reply.code(403).send({ ok: false }); else done() }
    }
  }).on('order.created', () => {})
  await instance.ready()
  const at = (host: string, headers: Record<string, string> = {}): ReturnType<typeof delivery> => {
    const request = delivery(`evt_${host}_${Object.keys(headers).length}`)
    return { ...request, headers: { ...request.headers, host, ...headers } }
  }
  assert.equal((await instance.inject(at('hooks.example.com'))).statusCode, 200)
  assert.equal((await instance.inject(at('other.example.com'))).statusCode, 404)
  assert.equal((await instance.inject(at('hooks.example.com', { 'x-forwarded-for': '203.0.113.9' }))).statusCode, 403)
  assert.equal(verified(), 1)
})

test('route options that would break verification, or that are unknown, throw at registration naming them', async (t) => {
  const instance = await app(t)
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ bodyLimit: 10 }, /"route\.bodyLimit" is not allowed on a webhook route: set hookgate's own "bodyLimit"/],
    [{ preParsing: () => {} }, /"route\.preParsing" is not allowed .* change the bytes before they are verified/],
    [{ errorHandler: () => {} }, /"route\.errorHandler" is not allowed/],
    [{ handler: () => {} }, /"route\.handler" is not allowed/],
    [{ schema: { body: {} } }, /"route\.schema\.body" is not allowed .* raw bytes/],
    [{ schema: { response: {} } }, /"route\.schema\.response" is not allowed/],
    [{ onRequst: () => {} }, /"route\.onRequst" is not passed through .* these are: config, logLevel/],
    [{ schema: 'x' }, /"route\.schema" must be an object/]
  ]
  for (const [route, message] of cases) {
    assert.throws(() => instance.webhooks('/wh', backchannel({ secret: SECRET }), { route } as never), { name: 'TypeError', message }, JSON.stringify(Object.keys(route)))
  }
  assert.throws(() => instance.webhooks('/wh', backchannel({ secret: SECRET }), { route: [] as never }), /"route" must be an object of Fastify route options/)
})

test('errors of the app\'s own route hooks and route schema reach the app\'s error handler, not hookgate\'s', async (t) => {
  const instance = Fastify()
  t.after(() => instance.close())
  await instance.register(hookgate)
  const handled: string[] = []
  instance.setErrorHandler((error: { statusCode?: number, code?: string }, _request, reply) => {
    handled.push(error.code ?? String(error.statusCode))
    void reply.code(error.statusCode ?? 500).send({ app: true })
  })
  const { provider, verified } = counted()
  instance.webhooks('/wh', provider, {
    route: {
      schema: { headers: { type: 'object', required: ['x-tenant'], properties: { 'x-tenant': { type: 'string' } } } },
      preHandler: async (request) => { if (request.headers['x-tenant'] === 'blocked') throw Object.assign(new Error('tenant blocked'), { statusCode: 403, code: 'APP_BLOCKED' }) }
    }
  }).on('order.created', () => {})
  await instance.ready()
  const withTenant = (tenant?: string): ReturnType<typeof delivery> => {
    const request = delivery(`evt_${tenant ?? 'none'}`)
    return { ...request, headers: { ...request.headers, ...(tenant === undefined ? {} : { 'x-tenant': tenant }) } }
  }
  const missing = await instance.inject(withTenant())
  assert.equal(missing.statusCode, 400)
  assert.deepEqual(missing.json(), { app: true })
  const blocked = await instance.inject(withTenant('blocked'))
  assert.equal(blocked.statusCode, 403)
  assert.deepEqual(blocked.json(), { app: true })
  assert.equal((await instance.inject(withTenant('acme'))).statusCode, 200)
  assert.deepEqual(handled, ['FST_ERR_VALIDATION', 'APP_BLOCKED'])
  assert.equal(verified(), 1)
})
