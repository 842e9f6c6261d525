// Calibration, not a contender: the optimum plus one call each of 60 small distinct functions per
// accepted request, about as much time in process as the busy calibration's 1.5 µs, but spread over
// more machine code. Beside that one it shows how much code size, rather than work, costs over HTTP.
import { distinctCode } from '../lib/distinct-code.js'
import type { RunningServer } from '../lib/listen.js'
import { startOptimum } from './optimum.js'

export async function start (): Promise<RunningServer> {
  const run = distinctCode()
  return await startOptimum(() => { run() })
}
