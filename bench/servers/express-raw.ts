// Peer: the usual Express recipe, express.raw() for the bytes, then HMAC, JSON.parse and ajv by hand.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { Ajv } from 'ajv'
import express from 'express'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, EVENT_TYPE, OK_REPLY, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenNode, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const validators = new Map([[EVENT_TYPE, new Ajv().compile(ORDER_SCHEMA)]])
  const app = express()
  app.post(PATH, express.raw({ type: 'application/json', limit: '1mb' }), (req, res) => {
    const body = req.body as Buffer
    const signature = req.get('x-bc-signature')
    const expected = `sha256=${createHmac('sha256', BACKCHANNEL_SECRET).update(body).digest('hex')}`
    if (signature === undefined || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      res.status(401).json({ error: 'invalid signature' })
      return
    }
    let event: { type?: unknown, data?: unknown }
    try {
      event = JSON.parse(body.toString('utf8')) as typeof event
    } catch {
      res.status(400).json({ error: 'not JSON' })
      return
    }
    const validate = typeof event.type === 'string' ? validators.get(event.type) : undefined
    if (validate !== undefined && !validate(event.data)) {
      res.status(400).json({ error: 'invalid payload', errors: validate.errors })
      return
    }
    res.json(OK_REPLY)
  })
  return await listenNode(createServer(app))
}
