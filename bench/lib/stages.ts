import type { MicroRows } from '../micro/run.js'

/** A Backchannel pipeline stage as the micro benchmark times it, and what hookgate does there that hand code does not. */
interface Stage {
  readonly name: string
  /** The micro benchmark's row for hookgate's stage, and for hand code's (`undefined`: hand code has none). */
  readonly rows: readonly [string, string | undefined]
  readonly extra: string
}

/**
 * The stages timed directly: verify, parse (core/json.ts: JSON.parse, or secure-json-parse when a
 * prototype key could be spelled), envelope and validate (an ajv from createAjv, as the receiver compiles).
 */
const TIMED_STAGES: readonly Stage[] = [
  { name: 'verify', rows: ['hookgate: verifier.verify()', 'hand: verify (hex, HMAC, timingSafeEqual)'], extra: 'finds the header by name, parses its format, accepts only the canonical spelling, tries each secret' },
  { name: 'parse', rows: ['hookgate: parseJson() (core/json.ts)', 'hand: JSON.parse(body.toString())'], extra: 'looks for prototype keys before JSON.parse' },
  { name: 'envelope', rows: ['hookgate: envelope.open()', undefined], extra: 'reads id, type and data at their configured paths, own properties only' },
  { name: 'validate', rows: ['ajv validate (createAjv: ajv-formats)', 'hand: ajv validate (new Ajv())'], extra: 'an ajv with ajv-formats' }
]
const WHOLE_PIPELINE = ['hookgate: receive(), handler + schema', 'hand: whole pipeline'] as const
const REST: Omit<Stage, 'rows'> = { name: 'dispatch and the rest (whole − the above)', extra: 'checks the media type, routes by pattern, runs the handler under its deadline, builds the reply' }

export interface StageTime {
  readonly name: string
  readonly hookgate: number
  /** `undefined` where hand code has no such stage (`NaN`, on either side, where the results lack a row). */
  readonly hand: number | undefined
  readonly extra: string
}

/** µs per call of each stage, hookgate beside hand code; "the rest", on each side, is its whole pipeline minus its timed stages. */
export function stageTimes (rows: MicroRows): StageTime[] {
  const get = (name: string | undefined): number => name === undefined ? Number.NaN : rows[name] ?? Number.NaN
  const timed = TIMED_STAGES.map((stage) => ({ name: stage.name, hookgate: get(stage.rows[0]), hand: stage.rows[1] === undefined ? undefined : get(stage.rows[1]), extra: stage.extra }))
  // A stage hand code does not have is left out of its rest; a row missing from the results makes
  // the rest NaN rather than slip into it.
  const rest = (side: 0 | 1): number => timed.reduce((left, time: StageTime) => {
    const own = side === 0 ? time.hookgate : time.hand
    return own === undefined ? left : left - own
  }, get(WHOLE_PIPELINE[side]))
  return [...timed, { ...REST, hookgate: rest(0), hand: rest(1) }, { name: 'whole pipeline', hookgate: get(WHOLE_PIPELINE[0]), hand: get(WHOLE_PIPELINE[1]), extra: '' }]
}
