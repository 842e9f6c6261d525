import type { Logger } from './types.js'

const ignore = (): void => {}

/** The logger used when none is given. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore })
