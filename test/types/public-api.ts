// Type tests for the public surface: `npm run typecheck` (part of `npm test`) compiles this file.
// Each `@ts-expect-error` line must stay an error; each `Equals` must stay true.
import Fastify, { type FastifyRequest } from 'fastify'
import hookgate, { HookgateError, createReceiver, expectContinue, type HookgateErrorCode, type Outcome, type Verifier, type WebhookEndpoint, type WebhookEvent } from 'hookgate'
import { backchannel, bread, type BackchannelEvent, type BackchannelEventType } from 'hookgate/providers'
import { expectContinue as expressExpectContinue, webhooks as expressWebhooks } from 'hookgate/express'
import { expectContinue as nodeExpectContinue, webhooks as nodeWebhooks } from 'hookgate/node'
import express, { type Request as ExpressRequest } from 'express'
import { createServer, IncomingMessage, type Server } from 'node:http'
import { backchannelRequest, signBackchannel } from 'hookgate/testing'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (_: T): void {}

const app = Fastify()
await app.register(hookgate)
await app.register(hookgate, { bodyLimit: 1024, unknownEvents: 'refuse', onRejected: (error) => { expectType<Equals<typeof error, HookgateError>>(true) } })
// @ts-expect-error unknownEvents is a closed set
await app.register(hookgate, { unknownEvents: 'drop' })

const endpoint = app.webhooks('/hooks', backchannel({ secret: 's' }))

expectType<typeof endpoint extends WebhookEndpoint<BackchannelEvent> ? true : false>(true)

endpoint
  .on('order.created', { schema: { type: 'object' } }, async (event, request) => {
    expectType<Equals<typeof event.id, string>>(true)
    expectType<Equals<typeof event.createdAt, number | undefined>>(true)
    expectType<Equals<typeof event.data, { [x: string]: unknown }>>(true)
    expectType<Equals<typeof request, FastifyRequest>>(true)
    expectType<Equals<typeof request.webhook, WebhookEvent | null>>(true)
    // @ts-expect-error data is what the schema says (here: any object), never any
    event.data.amount.toFixed()
  })
  .on('inventory.*', (event) => {
    expectType<Equals<typeof event, BackchannelEvent>>(true)
    expectType<Equals<typeof event.data, unknown>>(true)
    return event.type
  })

// @ts-expect-error the path is a string
app.webhooks(42, backchannel({ secret: 's' }))
// @ts-expect-error a schema goes in an options object
endpoint.on('order.paid', { type: 'object' }, () => {})
// @ts-expect-error a secret is required
backchannel({})
// @ts-expect-error "secret" and "secrets" are exclusive
backchannel({ secret: 'a', secrets: ['b'] })
backchannel({ secrets: ['new', 'old'], maxAge: 300 })
backchannel({ secret: async () => Buffer.from('rotating') })

const known: BackchannelEventType = 'inventory.reallocated'
// @ts-expect-error not a documented Backchannel type
const unknownType: BackchannelEventType = 'order.refunded'
void known
void unknownType

const receiver = createReceiver(backchannel({ secret: 's' })).on('*', (event, context) => {
  expectType<Equals<typeof context, undefined>>(true)
  return event.id
})
const outcome = await receiver.receive(new Uint8Array(0), { 'content-type': 'application/json' })
expectType<Equals<typeof outcome, Outcome<BackchannelEvent>>>(true)
expectType<Equals<typeof outcome.status, number>>(true)
const code: HookgateErrorCode | undefined = outcome.error?.code
// @ts-expect-error codes are a closed union
const wrongCode: HookgateErrorCode = 'HOOKGATE_NOPE'
void code
void wrongCode

const headers = signBackchannel('{}', 's')
expectType<Equals<typeof headers['x-bc-signature'], string>>(true)
await app.inject(backchannelRequest({ id: 'e', type: 'order.paid', data: {} }, 's', { url: '/hooks' }))

// Express and node:http endpoints take the same presets and .on(), with their own request type.
const expressEndpoint = expressWebhooks(backchannel({ secret: 's' })).on('order.*', (event, req) => {
  expectType<Equals<typeof event, BackchannelEvent>>(true)
  expectType<Equals<typeof req, ExpressRequest>>(true)
})
express().post('/hooks', expressEndpoint)
const nodeEndpoint = nodeWebhooks(bread({ keys: { k: 's' }, basicAuth: { username: 'u', password: 'p' } }), { path: '/hooks' })
  .on({ source: 'breadpayments.*', type: '*' }, (event, req) => {
    expectType<Equals<typeof event.source, string>>(true)
    expectType<Equals<typeof req, IncomingMessage>>(true)
  })
createServer(nodeEndpoint)
// expectContinue takes a server (Fastify's app.server, HTTP/2 too; Express's app.listen(); createServer()) and returns it as typed.
class TenantRequest extends IncomingMessage { tenant = 'a' }
const tenantServer = createServer({ IncomingMessage: TenantRequest })
expectType<Equals<ReturnType<typeof expectContinue<typeof tenantServer>>, typeof tenantServer>>(true)
expectType<Equals<ReturnType<typeof expectContinue<Server>>, Server>>(true)
expectContinue(app.server)
expectContinue(Fastify({ http2: true }).server)
expressExpectContinue(express().listen(0))
nodeExpectContinue(createServer(nodeEndpoint))
// @ts-expect-error not an HTTP/1 server
expectContinue({})
// @ts-expect-error bread needs basicAuth
bread({ keys: { k: 's' } })

// InboundRequest.header() is a method: calling it detached from the request is a type error.
export const tokenVerifier: Verifier = {
  name: 'token',
  verify (request) {
    const { header } = request
    // @ts-expect-error the 'this' context of a detached header() is not the request
    header('x-token')
    return request.header('x-token') === 'secret' ? undefined : undefined
  }
}
