import type { WebhookEvent } from './types.js'

/**
 * An event as queue mode stores it: each value once. Envelopes often hand handlers one object under
 * two names (a JSON sender's `data` is also `payload.data`; Slack's interactions are `data` and
 * `payload`); JSON would write it twice. Such a field is left out and named in `shared` with the path
 * to where it still is: `{ data: ['payload', 'data'] }`.
 */
export type StoredEvent<E extends WebhookEvent = WebhookEvent> = Pick<E, 'id' | 'type'> & { readonly [K in Exclude<keyof E, 'id' | 'type'>]?: E[K] }

/** Fields left out of a stored event, each with the path (field, then key) where its value is. */
export type SharedFields = Readonly<Record<string, readonly string[]>>

/** Fields never left out: the ones a stored job is read by, and one that would set a prototype. */
const NEVER_SHARED = new Set(['id', 'type', '__proto__'])

function isContainer (value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object'
}

/**
 * Where else in the event `value` is: another field that stays, or a key of one that is an object.
 * A path always starts at a field that stays, so the stored event alone resolves it.
 */
function pathTo (fields: Readonly<Record<string, unknown>>, names: readonly string[], name: string, value: object, shared: Readonly<Record<string, unknown>>): string[] | undefined {
  for (const other of names) {
    if (other === name || Object.hasOwn(shared, other)) continue
    const container = fields[other]
    if (container === value) return [other]
    if (!isContainer(container) || Array.isArray(container)) continue
    for (const key of Object.keys(container)) if (container[key] === value) return [other, key]
  }
  return undefined
}

/** The event with each object that appears twice kept once, and `shared` to put it back; the event itself when none does. */
export function storedForm<E extends WebhookEvent> (event: E): { readonly event: StoredEvent<E>, readonly shared?: SharedFields } {
  const fields = event as unknown as Readonly<Record<string, unknown>>
  const names = Object.keys(fields)
  const shared: Record<string, string[]> = Object.create(null)
  // Fields a path starts at: they stay.
  const anchors = new Set<string>()
  for (const name of names) {
    const value = fields[name]
    if (!isContainer(value) || NEVER_SHARED.has(name) || anchors.has(name)) continue
    const path = pathTo(fields, names, name, value, shared)
    if (path === undefined) continue
    shared[name] = path
    anchors.add(path[0] as string)
  }
  if (anchors.size === 0) return { event }
  // fromEntries, not assignment: an own "__proto__" field stays a field.
  const stored = Object.fromEntries(names.filter((name) => !Object.hasOwn(shared, name)).map((name) => [name, fields[name]]))
  return { event: stored as StoredEvent<E>, shared }
}

/** The event as handlers see it, from its stored form; a string says why it cannot be rebuilt. */
export function wholeEvent (stored: Readonly<Record<string, unknown>>, shared: unknown): Readonly<Record<string, unknown>> | string {
  if (shared === undefined) return stored
  if (!isContainer(shared) || Array.isArray(shared)) return '"shared" is not an object'
  const event: Record<string, unknown> = { ...stored }
  for (const name of Object.keys(shared)) {
    const path: unknown = shared[name]
    if (NEVER_SHARED.has(name)) return `"shared" names ${name}, which is never shared`
    if (Object.hasOwn(stored, name)) return `"shared" names ${name}, which the stored event holds`
    if (!Array.isArray(path) || path.length === 0 || path.some((step) => typeof step !== 'string')) return `"shared.${name}" is not a path`
    let value: unknown = stored
    for (const step of path as string[]) value = isContainer(value) && Object.hasOwn(value, step) ? value[step] : undefined
    if (value === undefined) return `"shared.${name}" names ${(path as string[]).join('.')}, which the stored event lacks`
    event[name] = value
  }
  return event
}
