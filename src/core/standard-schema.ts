import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { ValidationIssue } from './errors.js'
import { MAX_REPORTED_ISSUES } from './schemas.js'

/** What a Standard Schema made of an event's data: its output, or the problems, as hookgate reports them. */
export type StandardOutcome = { readonly value: unknown } | { readonly issues: readonly ValidationIssue[] }

/** Validates one event's data with a Standard Schema; may be async, as the schema's `validate` is. */
export type StandardValidator = (data: unknown) => StandardOutcome | Promise<StandardOutcome>

/** Whether `schema` implements Standard Schema (Zod 4, Valibot, ArkType, …) rather than being a JSON Schema. */
export function isStandardSchema (schema: unknown): schema is StandardSchemaV1 {
  if ((typeof schema !== 'object' && typeof schema !== 'function') || schema === null || !('~standard' in schema)) return false
  const props = (schema as { '~standard': unknown })['~standard']
  return typeof props === 'object' && props !== null && typeof (props as { validate?: unknown }).validate === 'function'
}

/** A Standard Schema issue's path as a JSON Pointer, as ajv's errors are reported. */
function pointer (path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined) return ''
  let out = ''
  for (const segment of path) {
    const key = typeof segment === 'object' ? segment.key : segment
    out += `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`
  }
  return out
}

function outcomeOf (result: StandardSchemaV1.Result<unknown>): StandardOutcome {
  if (result.issues === undefined) return { value: result.value }
  return { issues: result.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => ({ path: pointer(issue.path), message: issue.message })) }
}

/** The validator of a handler's Standard Schema. A `validate` that throws or rejects is passed on to the caller. */
export function standardValidator (schema: StandardSchemaV1): StandardValidator {
  const validate = schema['~standard'].validate
  return (data) => {
    const result = validate(data)
    return result instanceof Promise ? result.then(outcomeOf) : outcomeOf(result)
  }
}
