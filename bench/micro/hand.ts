import { createHmac, timingSafeEqual } from 'node:crypto'
import { Ajv } from 'ajv'
import { BACKCHANNEL_SECRET, EVENT_TYPE, ORDER_SCHEMA } from '../lib/fixtures.js'

/** Backchannel's job written by hand (node:crypto, JSON.parse, a precompiled ajv, a Map), for one signed body. */
export function handBackchannel (body: Buffer, signature: string): { verify: () => boolean, validate: (data: unknown) => boolean, handlers: ReadonlyMap<string, (event: unknown) => Promise<void>>, whole: () => Promise<void> } {
  const key = Buffer.from(BACKCHANNEL_SECRET)
  const validate = new Ajv().compile(ORDER_SCHEMA)
  const handlers = new Map([[EVENT_TYPE, async (_event: unknown) => {}]])
  const verify = (): boolean => {
    const mac = Buffer.from(signature.slice(7), 'hex')
    return mac.length === 32 && timingSafeEqual(createHmac('sha256', key).update(body).digest(), mac)
  }
  return {
    verify,
    validate,
    handlers,
    async whole () {
      if (!verify()) throw new Error('bad signature')
      const event = JSON.parse(body.toString('utf8')) as { type: string, data: unknown }
      if (!validate(event.data)) throw new Error('invalid')
      await handlers.get(event.type)?.(event)
    }
  }
}
