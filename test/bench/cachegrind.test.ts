import { test } from 'node:test'
import assert from 'node:assert/strict'
import { functionCounts } from '../../bench/lib/cachegrind.js'

test('cachegrind output is summed by function, across files and repeated function blocks', () => {
  const text = [
    '# callgrind format', 'version: 1', 'creator: cachegrind', 'cmd: node', 'events: Ir',
    'fl=/usr/bin/node', 'fn=Builtins_StringIndexOf', '0 120', '0 30',
    'fn=???', '0 1000',
    'fl=/lib/libc.so.6', 'fn=__memchr_avx2', '12 7',
    'fl=/usr/bin/node', 'fn=Builtins_StringIndexOf', '0 50',
    'summary: 1207', ''
  ].join('\n')
  assert.deepEqual(Object.fromEntries(functionCounts(text)), { Builtins_StringIndexOf: 200, '???': 1000, __memchr_avx2: 7 })
})
