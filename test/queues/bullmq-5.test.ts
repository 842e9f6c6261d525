import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

// The BullMQ engine supports BullMQ 5.76.11 and later 5.x, and 6 (the peer range): the rest of the
// suite runs on 6, the devDependency; here the engine's contract runs again with every import of
// `bullmq` given 5.76.11, the range's floor. Before it, a closing worker took a new job after a failed
// one, so a graceful shutdown that hands jobs back never ended; before 5.66, replay could not reset a
// job's attempts.
const BULLMQ_5 = ['--import', './test/queues/fixtures/bullmq-5.mjs']
const run = promisify(execFile)

test('the bullmq engine passes the queue engine contract on BullMQ 5.76.11 too', { timeout: 120_000 }, async () => {
  // BullMQ 6 moved the connection into a backend (Queue#getBackend); 5 has none.
  const probe = await run(process.execPath, ['--import', 'tsx', ...BULLMQ_5, '--input-type=module', '-e', "const { Queue } = await import('bullmq'); console.log(typeof Queue.prototype.getBackend)"])
  assert.equal(probe.stdout.trim(), 'undefined', 'the contract below runs on BullMQ 5')
  const contract = await run(process.execPath, ['--conditions=hookgate-source', '--import', 'tsx', ...BULLMQ_5, '--test', '--test-reporter=tap', 'test/queues/contract.test.ts'], {
    // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of in TAP.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, HOOKGATE_TEST_ENGINES: 'bullmq' },
    timeout: 110_000
  }).catch((err: Error & { stdout?: string }) => ({ stdout: err.stdout ?? err.message }))
  const failed = /^# fail (\d+)$/m.exec(contract.stdout)?.[1]
  const passed = Number(/^# pass (\d+)$/m.exec(contract.stdout)?.[1] ?? 0)
  assert.equal(failed, '0', contract.stdout.split('\n').filter((line) => /not ok|error/.test(line)).join('\n'))
  assert.ok(passed >= 10, `${passed} contract tests passed on BullMQ 5`)
})
