/** What a handler is declared for: a type pattern, optionally scoped to a source pattern (CloudEvents). */
export type EventPattern = string | { readonly source?: string, readonly type: string }

/**
 * Patterns over dotted names: exact (`order.created`), a namespace (`order.*`: every name that
 * starts with `order.`, at any depth) or the catch-all `*`. The most specific wins: exact, then the
 * longest namespace, then `*`. `separators` lists the characters that end a namespace.
 */
class PatternTable<T> {
  readonly #exact = new Map<string, T>()
  /** Keyed by the namespace including its trailing separator, e.g. `order.`. */
  readonly #namespaces = new Map<string, T>()
  /** The lengths of the registered namespaces, longest first: a lookup tries only these. */
  #lengths: readonly number[] = []
  #catchAll: T | undefined
  readonly #separators: string

  constructor (separators: string) {
    this.#separators = separators
  }

  get size (): number {
    return this.#exact.size + this.#namespaces.size + (this.#catchAll === undefined ? 0 : 1)
  }

  /** The value under `pattern`, or `undefined`; throws a `TypeError` for a malformed pattern. */
  get (pattern: string): T | undefined {
    if (pattern === '*') return this.#catchAll
    const namespace = this.#namespaceOf(pattern)
    return namespace === undefined ? this.#exact.get(pattern) : this.#namespaces.get(namespace)
  }

  set (pattern: string, value: T): void {
    if (pattern === '*') {
      this.#catchAll = value
      return
    }
    const namespace = this.#namespaceOf(pattern)
    if (namespace === undefined) {
      this.#exact.set(pattern, value)
      return
    }
    this.#namespaces.set(namespace, value)
    this.#lengths = [...new Set([...this.#lengths, namespace.length])].sort((a, b) => b - a)
  }

  /** Every value whose pattern matches `name`, most specific first. */
  * candidates (name: string): Generator<T> {
    const exact = this.#exact.get(name)
    if (exact !== undefined) yield exact
    for (let end = this.#namespaceEnd(name, name.length); end > 0; end = this.#namespaceEnd(name, end)) {
      yield this.#namespaces.get(name.slice(0, end + 1)) as T
    }
    if (this.#catchAll !== undefined) yield this.#catchAll
  }

  /** The value under the most specific pattern matching `name`: the first of `candidates()`, without a generator. */
  match (name: string): T | undefined {
    const exact = this.#exact.get(name)
    if (exact !== undefined) return exact
    const end = this.#namespaceEnd(name, name.length)
    return end > 0 ? this.#namespaces.get(name.slice(0, end + 1)) : this.#catchAll
  }

  /**
   * Where the longest registered namespace of `name` ending before `before` ends (its separator), or
   * -1. Only the lengths of registered namespaces are tried, so a long hostile name costs no more
   * than a short one.
   */
  #namespaceEnd (name: string, before: number): number {
    for (const length of this.#lengths) {
      const end = length - 1
      if (end >= before || length > name.length) continue
      if (this.#separators.includes(name.charAt(end)) && this.#namespaces.has(name.slice(0, length))) return end
    }
    return -1
  }

  #namespaceOf (pattern: string): string | undefined {
    if (typeof pattern !== 'string' || pattern === '') throw new TypeError('an event pattern must be a non-empty string')
    const star = pattern.indexOf('*')
    if (star === -1) return undefined
    if (star !== pattern.length - 1 || pattern.length < 3 || !this.#separators.includes(pattern.charAt(star - 1))) {
      throw new TypeError(`pattern "${pattern}" is malformed: "*" may only be the whole pattern or follow the last ${[...this.#separators].map((c) => `"${c}"`).join(' or ')}`)
    }
    return pattern.slice(0, -1)
  }
}

/** Types are dotted (Shopify's topics use "/": `orders/*`); CloudEvents sources are often URIs, so a source namespace may also end at ":". */
const TYPE_SEPARATORS = './'
const SOURCE_SEPARATORS = './:'

/** How a pattern reads in messages and logs. */
export function describePattern (pattern: EventPattern): string {
  if (typeof pattern === 'string') return pattern
  return pattern.source === undefined || pattern.source === '*' ? pattern.type : `${pattern.type} from ${pattern.source}`
}

/**
 * Finds the handler for an event. A handler scoped to a source is preferred over one that is not:
 * the exact source first, then the longest source namespace, then handlers for any source; within
 * each, the most specific type pattern wins. So `{ source: 'bread.*', type: '*' }` beats `'x'`
 * for an event from `bread.webhooks`, and `'x'` still gets events of type `x` from other sources.
 */
export class EventRegistry<T> {
  readonly #anySource = new PatternTable<T>(TYPE_SEPARATORS)
  readonly #bySource = new PatternTable<PatternTable<T>>(SOURCE_SEPARATORS)

  /** Adds `value` under `pattern`; throws a `TypeError` for a malformed or already registered pattern. */
  add (pattern: EventPattern, value: T): void {
    if (typeof pattern !== 'string' && (pattern === null || typeof pattern !== 'object')) {
      throw new TypeError('an event pattern must be a string or { source, type }')
    }
    const { source, type } = typeof pattern === 'string' ? { source: undefined, type: pattern } : pattern
    let table = this.#anySource
    if (source !== undefined && source !== '*') {
      const scoped = this.#bySource.get(source)
      if (scoped === undefined) {
        table = new PatternTable<T>(TYPE_SEPARATORS)
        this.#bySource.set(source, table)
      } else {
        table = scoped
      }
    }
    if (table.get(type) !== undefined) {
      throw new TypeError(`a handler for "${describePattern(pattern)}" is already registered on this endpoint`)
    }
    table.set(type, value)
  }

  /** The value registered under the most specific pattern matching `type` (and `source`, when the event has one). */
  match (type: string, source?: string): T | undefined {
    if (source !== undefined && this.#bySource.size > 0) {
      for (const table of this.#bySource.candidates(source)) {
        const found = table.match(type)
        if (found !== undefined) return found
      }
    }
    return this.#anySource.match(type)
  }
}
