// Type tests: the types say what runs (compiled by `npm run typecheck`, part of `npm test`).
import Fastify from 'fastify'
import hookgate from 'hookgate'
import { bread, svix } from 'hookgate/providers'
import { backchannel } from 'hookgate/providers'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (_: T): void {}

const app = Fastify()
await app.register(hookgate)

// A property with a default is optional: hookgate validates and never fills defaults in.
const withDefault = {
  type: 'object',
  required: ['order_id'],
  properties: { order_id: { type: 'string' }, currency: { type: 'string', default: 'EUR' } }
} as const
app.webhooks('/a', backchannel({ secret: 's' })).on('order.created', { schema: withDefault }, (event) => {
  expectType<Equals<typeof event.data.currency, string | undefined>>(true)
  expectType<Equals<typeof event.data.order_id, string>>(true)
})

// Bread's data always carries identity.tenantID (the preset validates it), also without a schema.
app.webhooks('/bread', bread({ keys: { k: 'secret-secret-secret-secret-32b!' }, basicAuth: { username: 'u', password: 'p' } }))
  .on({ source: 'breadpayments.webhooks.*', type: '*' }, (event) => {
    expectType<Equals<typeof event.data.identity.tenantID, string>>(true)
  })

// svix() keeps "a secret or secrets, never both, one of them required".
svix({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
svix({ secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], tolerance: 60 })
// @ts-expect-error no secret
svix({})
// @ts-expect-error no secret, only a tolerance
svix({ tolerance: 1 })
// @ts-expect-error a secret and secrets
svix({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] })
