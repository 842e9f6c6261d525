import { parseArgs } from 'node:util'
import { withTimeout, type DeadLetter, type QueueEngine } from '../core/queue.js'
import { SEND_USAGE, runSend } from './send.js'
import { failed, UsageError } from './usage.js'

/** 10 s: an engine that has not answered by then is unreachable (its client would retry forever). */
const DEFAULT_TIMEOUT_SECONDS = 10

export const USAGE = `usage: hookgate dead-letters <list|replay|purge> --url <redis://… | postgres://…> --queue <name> [options]

  list                 the dead-lettered events: id, type, attempts, last error, first and last attempt
  replay <id>|--all    put one or every dead letter back on the queue, with fresh attempts
  purge <id>|--all     delete one or every dead letter

options:
  --url <url>          the engine's connection URL: redis:// or rediss:// for BullMQ, postgres:// for PostgreSQL
  --queue <name>       the queue's name, as given to bullmqQueue({ name }) or postgresQueue({ name })
  --prefix <prefix>    BullMQ's key prefix (default: bull)
  --table <table>      PostgreSQL's job table (default: hookgate_jobs)
  --limit <n>          at most n dead letters listed (default: 100)
  --json               list as JSON, one object per line
  --timeout <seconds>  give up on an engine that does not answer (default: 10)`

interface Where { readonly url: string, readonly queue: string, readonly prefix?: string | undefined, readonly table?: string | undefined }

/** Opens the engine a URL names, loading only that engine's client. */
async function openEngine ({ url, queue, prefix, table }: Where): Promise<QueueEngine> {
  if (/^rediss?:\/\//.test(url)) {
    const { bullmqQueue } = await import('../queues/bullmq.js')
    return bullmqQueue({ url, name: queue, ...(prefix === undefined ? {} : { prefix }) })
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { postgresQueue } = await import('../queues/postgres.js')
    return postgresQueue({ url, name: queue, ...(table === undefined ? {} : { table }) })
  }
  throw new UsageError(`--url must be a redis://, rediss:// (BullMQ) or postgres:// (PostgreSQL) URL; got ${JSON.stringify(url)}`)
}

function time (ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString()
}

function describe (letter: DeadLetter): string {
  return [letter.id, letter.type ?? '-', `attempts=${letter.attempts}`, `first=${time(letter.firstAttemptAt)}`, `last=${time(letter.lastAttemptAt)}`, `error=${JSON.stringify(letter.lastError)}`].join('  ')
}

/**
 * The `hookgate` command: lists, replays and purges a queue's dead letters; `sign` and `send` (see
 * send.ts) sign test events as a sender would. Resolves the exit code;
 * writes results to `out` and problems to `err`.
 */
export async function runCli (argv: readonly string[], out: (line: string) => void, err: (line: string) => void, open = openEngine): Promise<number> {
  if (argv[0] === 'sign' || argv[0] === 'send') return await runSend(argv, out, err)
  let engine: QueueEngine | undefined
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { url: { type: 'string' }, queue: { type: 'string' }, prefix: { type: 'string' }, table: { type: 'string' }, timeout: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
    })
    if (values.help === true) {
      out(USAGE)
      out('')
      out(SEND_USAGE)
      return 0
    }
    const [group, action, id, ...rest] = positionals
    if (group !== 'dead-letters' || action === undefined || !['list', 'replay', 'purge'].includes(action) || rest.length > 0) throw new UsageError('expected: dead-letters <list|replay|purge>')
    if (values.url === undefined || values.queue === undefined) throw new UsageError('--url and --queue are required')
    const limit = values.limit === undefined ? 100 : Number(values.limit)
    if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer')
    const timeout = Number(values.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000
    if (!(timeout > 0 && timeout <= 3_600_000)) throw new UsageError('--timeout must be a number of seconds')
    if (action !== 'list' && (id === undefined) === (values.all !== true)) throw new UsageError(`${action} takes one dead letter's id or --all`)
    engine = await open({ url: values.url, queue: values.queue, prefix: values.prefix, table: values.table })
    const reach = `reaching ${values.url.replace(/\/\/[^@/]*@/, '//')}`
    if (action === 'list') {
      const letters = await withTimeout((engine as QueueEngine).deadLetters(limit), timeout, reach)
      for (const letter of letters) out(values.json === true ? JSON.stringify(letter) : describe(letter))
      if (values.json !== true) out(`${letters.length} dead-lettered`)
      return 0
    }
    const count = await withTimeout(action === 'replay' ? engine.replay(id) : engine.purge(id), timeout, reach)
    out(`${action === 'replay' ? 'replayed' : 'purged'} ${count}`)
    return id !== undefined && count === 0 ? 1 : 0
  } catch (error) {
    return failed(error, USAGE, err)
  } finally {
    // An engine that never connected may not close either: the command still ends.
    await withTimeout(engine?.close() ?? Promise.resolve(), 2000, 'closing').catch(() => {})
  }
}
