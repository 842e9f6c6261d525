import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CloudEvent as SdkCloudEvent, HTTP } from 'cloudevents'
import { HookgateError } from '../../src/core/errors.js'
import { readHeader } from '../../src/core/headers.js'
import { createReceiver } from '../../src/core/receiver.js'
import { parseJson } from '../../src/core/json.js'
import type { InboundRequest } from '../../src/core/types.js'
import { cloudEventsEnvelope, type CloudEvent, type CloudEventsEnvelopeOptions } from '../../src/envelopes/cloudevents.js'

const BINARY = {
  'content-type': 'application/json',
  'ce-id': '8f6c1a2e-4d3b-4c5a-9e7f-1b2c3d4e5f60',
  'ce-source': 'breadpayments.webhooks.webhook',
  'ce-type': 'integration_test_event',
  'ce-specversion': '1.0',
  'ce-time': '2023-04-27T17:41:51.799047Z'
}
const DATA = { identity: { tenantID: 'tenant-1' }, amount: 5 }

function open (headers: Record<string, string>, body: unknown, options?: CloudEventsEnvelopeOptions): readonly CloudEvent[] | HookgateError {
  const request: InboundRequest = { body: Buffer.alloc(0), header: (name) => readHeader(headers, name), headers, now: Date.now }
  return cloudEventsEnvelope(options).open(body, request)
}

function events (result: readonly CloudEvent[] | HookgateError): readonly CloudEvent[] {
  assert.ok(!(result instanceof HookgateError), result instanceof HookgateError ? result.reason : '')
  return result
}

function invalid (result: unknown, reason?: RegExp): void {
  assert.ok(result instanceof HookgateError)
  assert.equal(result.code, 'HOOKGATE_ENVELOPE_INVALID')
  assert.equal(result.statusCode, 400)
  if (reason !== undefined) assert.match(result.reason ?? '', reason)
}

test('binary mode: attributes from ce-* headers, the body is data, other ce-* are extensions', () => {
  const [event] = events(open({ ...BINARY, 'ce-subject': 'order/1', 'ce-dataschema': 'https://x/s.json', 'ce-traceparent': '00-abc', 'ce-partitionkey': 'p1' }, DATA))
  assert.equal(event?.id, BINARY['ce-id'])
  assert.equal(event?.source, 'breadpayments.webhooks.webhook')
  assert.equal(event?.type, 'integration_test_event')
  assert.equal(event?.specversion, '1.0')
  assert.equal(event?.time, '2023-04-27T17:41:51.799047Z')
  assert.equal(event?.subject, 'order/1')
  assert.equal(event?.dataschema, 'https://x/s.json')
  assert.equal(event?.datacontenttype, 'application/json')
  assert.equal(event?.mode, 'binary')
  assert.deepEqual(event?.data, DATA)
  assert.deepEqual({ ...event?.extensions }, { traceparent: '00-abc', partitionkey: 'p1' })
  assert.equal(readHeader(event?.headers ?? {}, 'ce-id'), BINARY['ce-id'], 'the raw headers are exposed')
})

test('binary mode: header names are case-insensitive and values percent-decoded', () => {
  const headers = new Headers({ ...BINARY, 'CE-Subject': 'caf%C3%A9%20%25' })
  const request: InboundRequest = { body: Buffer.alloc(0), header: (name) => readHeader(headers, name), headers, now: Date.now }
  const [event] = events(cloudEventsEnvelope().open(DATA, request))
  assert.equal(event?.subject, 'café %')
  const [lenient] = events(open({ ...BINARY, 'ce-subject': '100%' }, DATA))
  assert.equal(lenient?.subject, '100%', 'a bare % (as the cloudevents SDK sends it) is kept as sent')
})

test('binary mode: a missing required attribute or another specversion → 400', () => {
  for (const name of ['ce-id', 'ce-source', 'ce-type', 'ce-specversion'] as const) {
    const headers: Record<string, string> = { ...BINARY }
    delete headers[name]
    invalid(open(headers, DATA), new RegExp(name === 'ce-specversion' ? 'ce-specversion' : `"${name.slice(3)}"`))
  }
  invalid(open({ ...BINARY, 'ce-specversion': '0.3' }, DATA), /specversion/)
  invalid(open({ ...BINARY, 'ce-specversion': '1.0.1' }, DATA), /specversion/)
  invalid(open({ ...BINARY, 'ce-id': '' }, DATA), /"id"/)
  invalid(open({ ...BINARY, 'ce-time': 'yesterday' }, DATA), /"time"/)
  invalid(open({ ...BINARY, 'ce-subject': 'a%C0%A0b' }, DATA), /not percent-encoded UTF-8/)
})

test('binary mode: header values are unquoted, then percent-decoded once (HTTP binding §3.1.3.2)', () => {
  const [event] = events(open({ ...BINARY, 'ce-subject': '"hello \\"world\\" %25"', 'ce-traceid': '100%' }, DATA))
  assert.equal(event?.subject, 'hello "world" %')
  assert.equal(event?.extensions.traceid, '100%', 'a bare % (as the cloudevents SDK sends it) is kept')
  for (const subject of ['a%C0%A0b', 'a%FFb', '%E2%82']) invalid(open({ ...BINARY, 'ce-subject': subject }, DATA), /not percent-encoded UTF-8/)
  invalid(open({ ...BINARY, 'ce-subject': '"a"b"' }, DATA), /not percent-encoded UTF-8/)
})

test('binary mode: a ce- header that is not an attribute name (a proxy\'s ce-foo-bar) is ignored rather than refusing the event', () => {
  const [event] = events(open({ ...BINARY, 'ce-foo-bar': 'x' }, DATA))
  assert.equal(event?.id, BINARY['ce-id'])
  assert.deepEqual(Object.keys(event?.extensions ?? {}), [])
})

test('structured mode: a member that is null is unset (JSON format §2.2), as in the specification\'s own examples', () => {
  const ct = { 'content-type': 'application/cloudevents+json' }
  const body = { specversion: '1.0', id: 'e1', source: 's', type: 't', subject: null, time: null, dataschema: null, datacontenttype: null, unsetextension: null, data_base64: null, data: DATA }
  const [event] = events(open(ct, body))
  assert.equal(event?.subject, undefined)
  assert.equal(event?.time, undefined)
  assert.deepEqual(Object.keys(event?.extensions ?? {}), [])
  assert.deepEqual(event?.data, DATA)
  invalid(open(ct, { ...body, id: null }), /"id"/)
})

test('structured mode: attributes and data in the body, extensions of any scalar type', () => {
  const body = { specversion: '1.0', id: 'e1', source: 's', type: 't', time: '2023-04-27T17:41:51Z', datacontenttype: 'application/json', data: DATA, count: 3, flag: true }
  const [event] = events(open({ 'content-type': 'application/cloudevents+json; charset=utf-8' }, body))
  assert.equal(event?.mode, 'structured')
  assert.deepEqual(event?.data, DATA)
  assert.deepEqual({ ...event?.extensions }, { count: 3, flag: true })
  const [binaryData] = events(open({ 'content-type': 'application/cloudevents+json' }, { ...body, data: undefined, data_base64: Buffer.from('hi').toString('base64') }))
  assert.deepEqual(binaryData?.data, Buffer.from('hi'))
})

test('structured mode: malformed events → 400', () => {
  const ok = { specversion: '1.0', id: 'e1', source: 's', type: 't', data: {} }
  const ct = { 'content-type': 'application/cloudevents+json' }
  invalid(open(ct, [ok]), /JSON object/)
  invalid(open(ct, { ...ok, specversion: 1 }), /specversion/)
  invalid(open(ct, { ...ok, source: undefined }), /"source"/)
  invalid(open(ct, { ...ok, data_base64: 'aGk=' }), /exclusive/)
  invalid(open(ct, { ...ok, ext: { nested: true } }), /extension "ext"/)
  invalid(open(ct, { ...ok, 'Bad-Name': 1 }), /attribute name/)
})

test('batch mode: an array of structured events, in order; one bad event refuses the batch; empty is fine', () => {
  const ct = { 'content-type': 'application/cloudevents-batch+json' }
  const e = (id: string): Record<string, unknown> => ({ specversion: '1.0', id, source: 's', type: 't', data: { n: id } })
  assert.deepEqual(events(open(ct, [e('1'), e('2'), e('3')])).map((x) => [x.id, x.mode]), [['1', 'batch'], ['2', 'batch'], ['3', 'batch']])
  assert.deepEqual(events(open(ct, [])), [])
  invalid(open(ct, [e('1'), { ...e('2'), type: '' }]), /"type"/)
  invalid(open(ct, e('1')), /array/)
})

test('modes can be restricted; the media type decides which one applies', () => {
  const binaryOnly = cloudEventsEnvelope({ modes: ['binary'] })
  assert.equal(binaryOnly.accepts('application/json'), true)
  assert.equal(binaryOnly.accepts('application/cloudevents+json'), false)
  assert.equal(binaryOnly.accepts('application/cloudevents-batch+json'), false)
  const all = cloudEventsEnvelope()
  for (const t of ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json']) assert.equal(all.accepts(t), true)
  assert.equal(all.accepts('application/vnd.api+json'), true, 'binary mode carries any JSON data')
  assert.equal(binaryOnly.accepts('application/vnd.api+json'), true)
  assert.equal(cloudEventsEnvelope({ modes: ['structured'] }).accepts('application/vnd.api+json'), false)
  assert.equal(all.accepts('application/xml'), false)
  assert.throws(() => cloudEventsEnvelope({ modes: [] }), TypeError)
  assert.throws(() => cloudEventsEnvelope({ modes: ['bin' as 'binary'] }), TypeError)
})

test('cross-check: messages built by the official cloudevents SDK (HTTP.binary, HTTP.structured) are read back exactly', () => {
  const sdkEvent = new SdkCloudEvent({
    id: 'sdk-1',
    source: 'breadpayments.webhooks.webhook',
    type: 'integration_test_event',
    time: '2023-04-27T17:41:51.799Z',
    subject: 'sub',
    data: DATA,
    traceid: 'abc123'
  })
  for (const message of [HTTP.binary(sdkEvent), HTTP.structured(sdkEvent)]) {
    const headers = message.headers as Record<string, string>
    const parsed = parseJson(Buffer.from(message.body as string))
    assert.ok(parsed.ok)
    const [event] = events(open(headers, parsed.value))
    assert.equal(event?.id, 'sdk-1')
    assert.equal(event?.source, sdkEvent.source)
    assert.equal(event?.type, sdkEvent.type)
    assert.equal(event?.time, '2023-04-27T17:41:51.799Z')
    assert.equal(event?.subject, 'sub')
    assert.deepEqual(event?.data, DATA)
    assert.equal(event?.extensions.traceid, 'abc123')
  }
})

test('every attribute check refuses with 400', () => {
  const ct = { 'content-type': 'application/cloudevents+json' }
  const ok = { specversion: '1.0', id: 'e1', source: 's', type: 't', data: {} }
  invalid(open(ct, { ...ok, data: undefined, data_base64: 5 }), /"data_base64" must be base64/)
  for (const base64 of ['!!!not base64!!!', 'aGk', 'aGk=x', 'a===']) invalid(open(ct, { ...ok, data: undefined, data_base64: base64 }), /"data_base64" must be base64/)
  assert.deepEqual(events(open(ct, { ...ok, data: undefined, data_base64: 'aGk=' }))[0]?.data, Buffer.from('hi'))
  for (const name of ['subject', 'dataschema', 'datacontenttype']) {
    invalid(open(ct, { ...ok, [name]: '' }), /non-empty strings when present/)
    invalid(open(ct, { ...ok, [name]: 1 }), /non-empty strings when present/)
  }
  invalid(open(ct, { ...ok, time: 5 }), /"time"/)
  invalid(open(ct, { ...ok, id: 'x'.repeat(257) }), /"id"/)
  invalid(open(ct, { ...ok, type: 'x'.repeat(257) }), /"type"/)
  invalid(open(ct, { ...ok, source: 'x'.repeat(2049) }), /"source"/)
  invalid(open(ct, { ...ok, ['a'.repeat(65)]: 'x' }), /attribute name/)
  assert.equal(events(open(ct, { ...ok, ['a'.repeat(64)]: 'x' })).length, 1, 'longer than the recommended 20 is accepted')
})

test('binary mode reads ce-* header names case-insensitively from plain objects too', () => {
  const upper: Record<string, string> = { 'Content-Type': 'application/json' }
  for (const [name, value] of Object.entries(BINARY)) if (name !== 'content-type') upper[name.toUpperCase()] = value
  upper['CE-TraceParent'] = '00-x'
  const [event] = events(open(upper, DATA))
  assert.equal(event?.id, BINARY['ce-id'])
  assert.deepEqual({ ...event?.extensions }, { traceparent: '00-x' })
})

test('binary mode: an event without data (an empty body, as the SDK sends it) is read, with data undefined; elsewhere an empty body is refused', async () => {
  const provider = { name: 'ce', verifiers: [{ name: 'trusted-in-this-test', verify: () => undefined }], envelope: cloudEventsEnvelope() }
  const seen: unknown[] = []
  const receiver = createReceiver(provider, { idempotency: false }).on('*', (event) => { seen.push(event.data) })
  const message = HTTP.binary(new SdkCloudEvent({ id: 'no-data-1', source: '/s', type: 'x.nodata' }))
  assert.equal(message.body ?? '', '')
  const outcome = await receiver.receive(Buffer.alloc(0), message.headers as Record<string, string>)
  assert.equal(outcome.status, 200)
  assert.equal(outcome.events[0]?.id, 'no-data-1')
  assert.deepEqual(seen, [undefined])
  const structured = await receiver.receive(Buffer.alloc(0), { 'content-type': 'application/cloudevents+json' })
  assert.equal(structured.status, 400)
  assert.equal(structured.error?.code, 'HOOKGATE_ENVELOPE_INVALID')
  const binaryOnlyOff = createReceiver({ ...provider, envelope: cloudEventsEnvelope({ modes: ['structured'] }) }, { idempotency: false })
  assert.equal((await binaryOnlyOff.receive(Buffer.alloc(0), { 'content-type': 'application/cloudevents+json' })).error?.code, 'HOOKGATE_BODY_NOT_JSON')
})
