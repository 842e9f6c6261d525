import { Ajv, type ErrorObject, type Options as AjvOptions, type AnySchema } from 'ajv'
import ajvFormats from 'ajv-formats'
import type { ValidationIssue } from './errors.js'

export type { AnySchema as JsonSchema }

/** Checks one event's data; returns the problems, or `undefined` when it is valid. */
export type DataValidator = (data: unknown) => readonly ValidationIssue[] | undefined

/** At most this many problems are reported to the sender, however many ajv finds. */
const MAX_REPORTED_ISSUES = 20

// ajv-formats is CommonJS with `exports.default`: under NodeNext its types name the plugin `.default`,
// while at run time the default import is the plugin itself (which also carries `.default`).
const addFormats = ajvFormats.default

/**
 * Creates the ajv instance an app shares across its endpoints: every format of `ajv-formats`, all
 * errors reported, and no coercion, defaults or property removal, because a handler must see the
 * payload exactly as the sender signed it.
 */
export function createAjv (options: AjvOptions = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, ...options })
  addFormats(ajv)
  return ajv
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
    validate = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema)
  } catch (err) {
    throw new TypeError(`the schema for event "${label}" is invalid: ${(err as Error).message}`, { cause: err })
  }
  return (data) => {
    if (validate(data) === true) return undefined
    return (validate.errors ?? []).slice(0, MAX_REPORTED_ISSUES).map(toIssue)
  }
}
