// Calibration, not a contender: the optimum plus 1.5 µs of busy work per accepted request. Its
// ratio to the optimum shows what a small per-request cost becomes in these ratios on this machine
// (a slower server also pays more per write on the loopback), the scale for reading hookgate's.
import { CALIBRATION_EXTRA_US } from '../lib/config.js'
import type { RunningServer } from '../lib/listen.js'
import { startOptimum } from './optimum.js'

export async function start (): Promise<RunningServer> {
  return await startOptimum(CALIBRATION_EXTRA_US / 1000)
}
