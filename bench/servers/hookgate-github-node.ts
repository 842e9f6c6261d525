// hookgate's node:http adapter with the github() preset: the same job, framework and signature scheme
// as the octokit peer (x-hub-signature-256 over the body, event type from x-github-event).
import { createServer } from 'node:http'
import { webhooks } from 'hookgate/node'
import { github } from 'hookgate/providers'
import { PATH } from '../lib/config.js'
import { BACKCHANNEL_SECRET, ORDER_SCHEMA } from '../lib/fixtures.js'
import { listenNode, silentLog, type RunningServer } from '../lib/listen.js'

// GitHub events carry the whole body as data; the order sits under `data`, as octokit's server checks it.
const ISSUE_SCHEMA = { type: 'object', properties: { data: ORDER_SCHEMA }, required: ['data'] } as const

export async function start (): Promise<RunningServer> {
  const endpoint = webhooks(github({ secret: BACKCHANNEL_SECRET }), { path: PATH, idempotency: false, log: silentLog })
    .on('issues', { schema: ISSUE_SCHEMA }, async () => {})
  return await listenNode(createServer(endpoint))
}
