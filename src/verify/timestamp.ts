import { refusal, type HookgateError } from '../core/errors.js'

// RFC 3339 §5.6 date-time, e.g. 2023-04-27T17:41:51.799047Z or 2023-04-27T19:41:51+02:00.
const RFC3339 = /^((\d{4})-(\d{2})-(\d{2}))[Tt](([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60))(\.\d+)?([Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

/** Milliseconds since the epoch for an RFC 3339 date-time, or `undefined` when it is not one. */
export function parseRfc3339 (value: string): number | undefined {
  const match = RFC3339.exec(value)
  if (match === null) return undefined
  const [, date, year, month, day, clock = '', , second, fraction = '', zone = 'Z'] = match
  // Date.parse rolls 2023-02-30 over to March 2; a calendar date that does not exist is refused.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)))
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return undefined
  // Date.parse is exact to the millisecond; finer fractions (Bread sends microseconds) are truncated.
  // A leap second (…:60) is read as the last millisecond of the minute it ends.
  const time = second === '60' ? `${clock.slice(0, 6)}59.999` : `${clock}${fraction.slice(0, 4)}`
  const ms = Date.parse(`${date}T${time}${zone.toUpperCase()}`)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * Refuses a timestamp further than `toleranceSeconds` from `nowMs`, in either direction: a stale one
 * may be a replay, and one from the future would stay valid for longer than the tolerance.
 */
export function checkTolerance (timestampMs: number, nowMs: number, toleranceSeconds: number): HookgateError | undefined {
  const skewSeconds = (nowMs - timestampMs) / 1000
  if (Math.abs(skewSeconds) <= toleranceSeconds) return undefined
  const direction = skewSeconds > 0 ? 'old' : 'ahead'
  // Rounded up to a tenth: a skew just past the tolerance must not read as equal to it.
  const shown = Math.ceil(Math.abs(skewSeconds) * 10) / 10
  return refusal('HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE', { reason: `timestamp is ${shown}s ${direction}; tolerance is ${toleranceSeconds}s` })
}

/** Validates a tolerance option: a positive number of seconds. */
export function toleranceOption (value: number | undefined, fallback: number, option: string): number {
  const tolerance = value ?? fallback
  if (typeof tolerance !== 'number' || !(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new TypeError(`"${option}" must be a positive number of seconds`)
  }
  return tolerance
}

/** Reads a timestamp written as Unix seconds (`s`), milliseconds (`ms`) or RFC 3339 (`iso`), in ms. */
export function timestampParser (unit: 's' | 'ms' | 'iso'): (value: string) => number | undefined {
  if (unit === 'iso') return parseRfc3339
  const scale = unit === 's' ? 1000 : 1
  return (value) => /^\d{1,16}$/.test(value) ? Number(value) * scale : undefined
}
