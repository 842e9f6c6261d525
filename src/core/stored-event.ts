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

function isContainer (value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object'
}

/** Where else in the event `value` is: another field, or a key of another field that is an object. */
function pathTo (fields: Readonly<Record<string, unknown>>, name: string, value: object, shared: Readonly<Record<string, unknown>>): string[] | undefined {
  for (const other in fields) {
    if (other === name || Object.hasOwn(shared, other)) continue
    const container = fields[other]
    if (container === value) return [other]
    if (!isContainer(container) || Array.isArray(container)) continue
    for (const key in container) if (container[key] === value) return [other, key]
  }
  return undefined
}

/** The event with each object that appears twice kept once, and `shared` to put it back; the event itself when none does. */
export function storedForm<E extends WebhookEvent> (event: E): { readonly event: StoredEvent<E>, readonly shared?: SharedFields } {
  const fields = event as unknown as Readonly<Record<string, unknown>>
  const shared: Record<string, string[]> = Object.create(null)
  let any = false
  for (const name in fields) {
    const value = fields[name]
    if (!isContainer(value)) continue
    const path = pathTo(fields, name, value, shared)
    if (path === undefined) continue
    shared[name] = path
    any = true
  }
  if (!any) return { event }
  const stored: Record<string, unknown> = {}
  for (const name in fields) if (!Object.hasOwn(shared, name)) stored[name] = fields[name]
  return { event: stored as StoredEvent<E>, shared }
}

/** The event as handlers see it, from its stored form; a string says why it cannot be rebuilt. */
export function wholeEvent (stored: Readonly<Record<string, unknown>>, shared: unknown): Readonly<Record<string, unknown>> | string {
  if (shared === undefined) return stored
  if (!isContainer(shared) || Array.isArray(shared)) return '"shared" is not an object'
  const event: Record<string, unknown> = { ...stored }
  for (const name in shared) {
    const path: unknown = shared[name]
    if (name === '__proto__') return '"shared" names __proto__'
    if (!Array.isArray(path) || path.length === 0 || path.some((step) => typeof step !== 'string')) return `"shared.${name}" is not a path`
    let value: unknown = stored
    for (const step of path as string[]) value = isContainer(value) && Object.hasOwn(value, step) ? value[step] : undefined
    if (value === undefined) return `"shared.${name}" names ${(path as string[]).join('.')}, which the stored event lacks`
    event[name] = value
  }
  return event
}
