import { isDeepStrictEqual } from 'node:util'
import { Ajv, type ErrorObject, type Options as AjvOptions, type AnySchema } from 'ajv'
import ajvFormats from 'ajv-formats'
import type { ValidationIssue } from './errors.js'

export type { AnySchema as JsonSchema }

/** Checks one event's data; returns the problems, or `undefined` when it is valid. */
export type DataValidator = (data: unknown) => readonly ValidationIssue[] | undefined

/** At most this many problems are reported to the sender, however many the schemas find. */
export const MAX_REPORTED_ISSUES = 20

/** Options that make ajv change the data it validates: a handler must see the payload as signed. */
const MUTATING_OPTIONS = ['coerceTypes', 'useDefaults', 'removeAdditional'] as const

/** Throws a `TypeError` if `ajv` would change the data it validates. */
export function checkAjvOptions (options: Readonly<AjvOptions>, where: string): void {
  const set = MUTATING_OPTIONS.filter((name) => options[name] !== undefined && options[name] !== false)
  if (set.length > 0) {
    throw new TypeError(`${where}: ajv's ${set.join(', ')} would change the signed payload before handlers see it; hookgate validates data as received`)
  }
}

// ajv-formats is CommonJS with `exports.default`: under NodeNext its types name the plugin `.default`,
// while at run time the default import is the plugin itself (which also carries `.default`).
const addFormats = ajvFormats.default

/**
 * Creates the ajv instance an app shares across its endpoints: every format of `ajv-formats`, and no
 * coercion, defaults or property removal (refused here), because a handler must see the payload
 * exactly as the sender signed it. It stops at each schema's first error, as Fastify's does:
 * `allErrors` lets one large invalid payload cost hundreds of milliseconds and megabytes to report
 * errors of which only 20 are sent.
 */
export function createAjv (options: AjvOptions = {}): Ajv {
  checkAjvOptions(options, 'createAjv()')
  const ajv = new Ajv(options)
  addFormats(ajv)
  return ajv
}

/**
 * Makes schemas shared by `$id` (Fastify's `app.addSchema()`) known to `ajv`, so that event schemas
 * can `$ref` them. One already known under the same `$id` must be the same schema: the ajv is the
 * app's, shared by every encapsulation context.
 */
export function addSharedSchemas (ajv: Ajv, schemas: Readonly<Record<string, unknown>>, where: string): void {
  for (const [id, schema] of Object.entries(schemas)) {
    // Looked up without getSchema(), which would compile it (and its $refs, perhaps not added yet).
    const known = ajv.schemas[id]
    if (known === undefined) {
      ajv.addSchema(schema as AnySchema, id)
    } else if (!isDeepStrictEqual(known.schema, schema)) {
      throw new TypeError(`${where}: the shared schema "${id}" differs from another of the same $id that hookgate's ajv already holds (from another encapsulation context): give one of them another $id`)
    }
  }
}

function toIssue (error: ErrorObject): ValidationIssue {
  const params = error.params as { missingProperty?: string, additionalProperty?: string }
  const property = params.missingProperty ?? params.additionalProperty
  const path = property === undefined ? error.instancePath : `${error.instancePath}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`
  return { path, message: error.message ?? error.keyword }
}

/**
 * Compiles `schema` once, at registration. An invalid schema throws a `TypeError` naming `label`
 * (the event key), so the mistake surfaces at startup rather than on the first delivery.
 */
export function compileDataValidator (ajv: Ajv, schema: AnySchema, label: string): DataValidator {
  let validate: ReturnType<Ajv['compile']>
  try {
    // A schema with an `$id` ajv already knows (a shared schema module imported twice, or the same
    // schema on two endpoints) is that schema: reuse it rather than fail on the duplicate id.
    const id = typeof schema === 'object' && schema !== null ? (schema as { $id?: unknown }).$id : undefined
    const known = typeof id === 'string' ? ajv.getSchema(id) : undefined
    if (known !== undefined && !isDeepStrictEqual(known.schema, schema)) {
      throw new Error(`another schema is already registered under $id "${String(id)}"`)
    }
    validate = known ?? ajv.compile(schema)
  } catch (err) {
    const missing = (err as { missingRef?: unknown }).missingRef
    const reason = typeof missing === 'string'
      ? `$ref "${missing}" does not resolve: register the schema it names first (app.addSchema() in this endpoint's context on Fastify, ajv.addSchema() on the ajv you pass)`
      : (err as Error).message
    throw new TypeError(`the schema for event "${label}" is invalid: ${reason}`, { cause: err })
  }
  return (data) => {
    try {
      if (validate(data) === true) return undefined
    } catch (err) {
      // A recursive schema walks data as deep as it is nested; JSON.parse takes deeper than the stack.
      if (err instanceof RangeError) return [{ path: '', message: 'is nested too deeply to validate' }]
      throw err
    }
    return (validate.errors ?? []).slice(0, MAX_REPORTED_ISSUES).map(toIssue)
  }
}
