import { test } from 'node:test'
import assert from 'node:assert/strict'
import { summarise } from '../../bench/lib/profile.js'

test('ajv\'s compiled validators, numbered per process and without a URL, count as one area', () => {
  const frame = (functionName: string): { functionName: string, url: string, lineNumber: number } => ({ functionName, url: '', lineNumber: 0 })
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('validate10') },
      { id: 3, callFrame: frame('validate12') },
      { id: 4, callFrame: frame('writev') }
    ],
    startTime: 0,
    endTime: 40,
    // Each sample's time is the next delta: 10 µs each for validate10, validate12, validate10 and writev.
    samples: [2, 3, 2, 4, 1],
    timeDeltas: [0, 10, 10, 10, 10]
  }
  const { areas } = summarise(profile, 1000, 1)
  assert.deepEqual(areas.filter((a) => a.usPerRequest > 0).map((a) => [a.name, a.usPerRequest]), [['ajv (compiled schemas)', 30], ['(native) writev', 10]])
})
