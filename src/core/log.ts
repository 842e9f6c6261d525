import type { Logger } from './types.js'

const ignore = (): void => {}

/** The logger used when none is given. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore })

/** A user hook (onEvent, onRejected, onJob) failed: logged, and never more than that. */
export function hookFailed (err: unknown, log: Logger): void {
  try {
    log.error({ err }, 'a hookgate hook (onEvent, onRejected or onJob) failed')
  } catch {
    // A logger that throws must not take the process down either.
  }
}
