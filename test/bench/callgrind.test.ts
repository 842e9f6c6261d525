import { test } from 'node:test'
import assert from 'node:assert/strict'
import { callgrindPid, eventTotals, functionCounts, parsePerfMap } from '../../bench/lib/callgrind.js'

const PERF_MAP = [
  '3f00 40 JS:*#receive file:///work/hookgate/dist/core/receiver.js:181:19',
  '3f40 20 JS:^build file:///work/hookgate/dist/verify/signed-content.js:32:14',
  '4000 10 RegExp:^[0-9a-f]*$',
  '4100 10 JS:*hookRunner /work/hookgate/node_modules/fastify/lib/hooks.js:231:20',
  'not a line'
].join('\n')

test('callgrind output is summed by function; JIT code is named from the perf map; the cost of a call goes to the callee only', () => {
  const text = [
    '# callgrind format', 'version: 1', 'pid: 4242', 'positions: instr line', 'events: Ir',
    'ob=/usr/bin/node', 'fn=Builtins_StringIndexOf', '0x10 0 120', '0x14 0 30',
    'ob=???', 'fn=0x0000000000003f00', '0x3f00 0 1000', '0x3f3f 0 5',
    // A call from #receive: the next line is the callee's inclusive cost, not #receive's own.
    'cob=/usr/bin/node', 'cfn=Builtins_StringIndexOf', 'calls=1 0x10', '0x3f10 0 150',
    'fn=0x0000000000003f40', '0x3f48 0 7', '0x4004 0 9', '0x4101 0 2', '0x9000 0 3',
    'ob=/lib/libc.so.6', 'fn=__memchr_avx2', '0x500 0 11',
    'ob=/usr/bin/node', 'fn=Builtins_StringIndexOf', '0x18 0 50',
    'summary: 1237', ''
  ].join('\n')
  assert.equal(callgrindPid(text), 4242)
  assert.deepEqual(Object.fromEntries(functionCounts(text, parsePerfMap(PERF_MAP))), {
    Builtins_StringIndexOf: 200,
    'JS #receive (dist/core/receiver.js:181)': 1005,
    'JS build [baseline] (dist/verify/signed-content.js:32)': 7,
    'RegExp:^[0-9a-f]*$': 9,
    'JS hookRunner (node_modules/fastify/lib/hooks.js:231)': 2,
    '???': 3,
    __memchr_avx2: 11
  })
})

test('without a perf map, JIT code is one ??? entry', () => {
  const text = ['ob=???', 'fn=0x1', '0x1 0 4', '0x2 0 6'].join('\n')
  assert.deepEqual(Object.fromEntries(functionCounts(text)), { '???': 10 })
})

test('with cache and branch simulation, functions are still counted in Ir, and the run\'s totals are read by event', () => {
  const text = ['events: Ir I1mr D1mr Bcm', 'ob=/usr/bin/node', 'fn=Builtins_StringIndexOf', '0x10 0 120 3 1 2', '0x14 0 30 0 0 1', 'summary: 150 3 1 3', 'totals: 150 3 1 3'].join('\n')
  assert.deepEqual(Object.fromEntries(functionCounts(text)), { Builtins_StringIndexOf: 150 })
  assert.deepEqual(Object.fromEntries(eventTotals(text)), { Ir: 150, I1mr: 3, D1mr: 1, Bcm: 3 })
})
