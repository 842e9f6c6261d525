import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { DeadlineQueue } from '../../src/core/deadlines.js'

describe('DeadlineQueue (one timer for every running handler)', () => {
  it('expires exactly the entries not settled in time, in order, each after the full timeout', async () => {
    const queue = new DeadlineQueue(40)
    const expired: string[] = []
    const started = performance.now()
    const settleFast = queue.add(() => { expired.push('fast') })
    queue.add(() => { expired.push('slow 1') })
    const settleMiddle = queue.add(() => { expired.push('middle') })
    queue.add(() => { expired.push('slow 2') })
    await sleep(5)
    settleFast()
    settleMiddle()
    settleMiddle() // settling twice is harmless
    await sleep(15)
    const late = queue.add(() => { expired.push('late') })
    await sleep(40)
    assert.deepEqual(expired, ['slow 1', 'slow 2'])
    assert.ok(performance.now() - started >= 40)
    // The late entry got its own 40 ms (armed after the first expiry), not the remainder of another's.
    await sleep(20)
    assert.deepEqual(expired, ['slow 1', 'slow 2', 'late'])
    late() // settling after expiry is harmless too
  })

  it('holds no process open once every entry has settled, though the timeout is long', async () => {
    const script = `
      import { createReceiver } from 'hookgate/core'
      import { signBackchannel } from 'hookgate/testing'
      import { backchannel } from 'hookgate/providers'
      const receiver = createReceiver(backchannel({ secret: 's3cret' }), { idempotency: false, handlerTimeout: 60000 })
      receiver.on('*', async () => {})
      const body = Buffer.from(JSON.stringify({ id: 'e1', type: 'order.created', data: {} }))
      const outcome = await receiver.receive(body, signBackchannel(body, 's3cret'))
      console.log(outcome.status)`
    const started = Date.now()
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=hookgate-source', '--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 })
    assert.equal(stdout.trim(), '200')
    assert.ok(Date.now() - started < 15_000, 'the process waited for the handler timeout')
  })
})
