// Sends the example server a correctly signed event and a forged one: `npm run send -- backchannel|bread`.
import { breadRequest, backchannelRequest, type SignedRequest } from 'hookgate/testing'
import { BACKCHANNEL_SECRET, BREAD, PORT } from './config.js'

const provider = process.argv[2] ?? 'backchannel'
const requests: Array<[string, SignedRequest]> = []
if (provider === 'backchannel') {
  const event = { id: `evt_${Date.now()}`, type: 'order.created', created_at: Math.floor(Date.now() / 1000), data: { order_id: 'ord_1', amount: 4200, currency: 'EUR' } }
  requests.push(['signed', backchannelRequest(event, BACKCHANNEL_SECRET, { url: '/webhooks/backchannel' })])
  requests.push(['forged', backchannelRequest(event, 'not-the-secret', { url: '/webhooks/backchannel' })])
} else if (provider === 'bread') {
  const data = { identity: { tenantID: 'tenant-demo' }, message: 'integration test' }
  requests.push(['signed', breadRequest(data, { ...BREAD, url: '/webhooks/bread' })])
  requests.push(['forged', breadRequest(data, { ...BREAD, secret: 'not-the-secret', url: '/webhooks/bread' })])
} else {
  throw new Error(`unknown provider "${provider}": use backchannel or bread`)
}

for (const [label, request] of requests) {
  const res = await fetch(`http://127.0.0.1:${PORT}${request.url}`, { method: request.method, headers: request.headers, body: request.payload })
  console.log(`${label}: ${res.status} ${await res.text()}`)
}
