// Peer: @octokit/webhooks with createNodeMiddleware on node:http (GitHub's x-hub-signature-256 over
// the body). Octokit answers a bad signature with 400; an onError hook turns that into 401, as the
// contract asks. Validation runs in the event handler, which reports a bad payload with status 400.
import { createServer } from 'node:http'
import { Webhooks, createNodeMiddleware } from '@octokit/webhooks'
import { Ajv } from 'ajv'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenNode, silentLog, type RunningServer } from '../lib/listen.js'

export async function start (): Promise<RunningServer> {
  const validate = new Ajv().compile(ORDER_SCHEMA)
  const webhooks = new Webhooks({ secret: BACKCHANNEL_SECRET, log: silentLog })
  webhooks.on('issues', ({ payload }) => {
    if (!validate((payload as unknown as { data?: unknown }).data)) throw Object.assign(new Error('invalid payload'), { status: 400 })
  })
  webhooks.onError((error) => {
    for (const cause of error.errors as Array<{ message?: string, status?: number }>) {
      if (cause.message?.includes('signature does not match') === true) cause.status = 401
    }
  })
  const middleware = createNodeMiddleware(webhooks, { path: PATH, log: silentLog })
  return await listenNode(createServer((req, res) => { void middleware(req, res) }))
}
