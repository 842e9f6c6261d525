import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { beforeDeadline, DeadlineQueue } from '../../src/core/deadlines.js'

/** A promise and its resolve function (Promise.withResolvers arrives in Node 22). */
function deferred<T> (): { promise: Promise<T>, resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

describe('DeadlineQueue (one timer for every running handler)', () => {
  it('expires exactly the entries not settled in time, in order, each after the full timeout', async () => {
    // Asserts at the moments the callbacks run, not after sleeps, so a slow machine cannot reorder them.
    const queue = new DeadlineQueue(100)
    const expired: string[] = []
    const started = performance.now()
    let seenAtSlow2: string[] = []
    let lateAdded = 0
    const slow2 = deferred<void>()
    const late = deferred<number>()
    const fast = queue.add(() => { expired.push('fast') })
    queue.add(() => { expired.push('slow 1') })
    const middle = queue.add(() => { expired.push('middle') })
    queue.add(() => { expired.push('slow 2'); seenAtSlow2 = [...expired]; slow2.resolve() })
    await sleep(5)
    assert.equal(queue.settle(fast), true)
    assert.equal(queue.settle(middle), true)
    assert.equal(queue.settle(middle), false, 'settling twice is harmless, and says so')
    await sleep(15)
    lateAdded = performance.now()
    const lateEntry = queue.add(() => { expired.push('late'); late.resolve(performance.now()) })
    await slow2.promise
    assert.ok(performance.now() - started >= 100, 'expired before the timeout')
    assert.deepEqual(seenAtSlow2, ['slow 1', 'slow 2'])
    // The late entry gets its own 100 ms from when it was added, not the remainder of another's.
    const lateExpiredAt = await late.promise
    assert.ok(lateExpiredAt - lateAdded >= 100, `the late entry expired after ${lateExpiredAt - lateAdded} ms`)
    assert.deepEqual(expired, ['slow 1', 'slow 2', 'late'])
    assert.equal(queue.settle(lateEntry), false, 'settling after expiry is harmless too, and says so')
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

  it('beforeDeadline: the promise\'s outcome within the timeout; past it, the timeout\'s error, and a late outcome is ignored', async () => {
    const queue = new DeadlineQueue(50)
    const timedOut = (): Error => new Error('too slow')
    assert.equal(await beforeDeadline(queue, Promise.resolve(7), timedOut), 7)
    await assert.rejects(beforeDeadline(queue, Promise.reject(new Error('refused')), timedOut), /refused/)
    let finish = (_value: number): void => {}
    const slow = new Promise<number>((resolve) => { finish = resolve })
    const started = performance.now()
    await assert.rejects(beforeDeadline(queue, slow, timedOut), /too slow/)
    assert.ok(performance.now() - started >= 49, 'rejected before the timeout')
    finish(1)
    await sleep(5)
    // An engine written in JavaScript may answer with a plain value: it is taken as a resolved one.
    assert.equal(await beforeDeadline(queue, 'queued', timedOut), 'queued')
  })
})
