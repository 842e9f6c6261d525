/**
 * Finds the handler for an event type. Patterns are an exact type (`order.created`), a namespace
 * wildcard (`order.*`: every type that starts with `order.`, at any depth) or the catch-all `*`.
 * The most specific pattern wins: exact, then the longest namespace, then `*`.
 */
export class EventRegistry<T> {
  readonly #exact = new Map<string, T>()
  /** Keyed by the namespace including its trailing dot, e.g. `order.`. */
  readonly #namespaces = new Map<string, T>()
  #catchAll: T | undefined

  /** Adds `value` under `pattern`; throws a `TypeError` for a malformed or already registered pattern. */
  add (pattern: string, value: T): void {
    if (typeof pattern !== 'string' || pattern === '') {
      throw new TypeError('an event pattern must be a non-empty string')
    }
    if (pattern === '*') {
      if (this.#catchAll !== undefined) throw duplicate(pattern)
      this.#catchAll = value
      return
    }
    const star = pattern.indexOf('*')
    if (star === -1) {
      if (this.#exact.has(pattern)) throw duplicate(pattern)
      this.#exact.set(pattern, value)
      return
    }
    if (star !== pattern.length - 1 || pattern.length < 3 || pattern[star - 1] !== '.') {
      throw new TypeError(`event pattern "${pattern}" is malformed: "*" may only be the whole pattern or follow the last "."`)
    }
    const namespace = pattern.slice(0, -1)
    if (this.#namespaces.has(namespace)) throw duplicate(pattern)
    this.#namespaces.set(namespace, value)
  }

  /** The value registered under the most specific pattern matching `type`. */
  match (type: string): T | undefined {
    const exact = this.#exact.get(type)
    if (exact !== undefined) return exact
    if (this.#namespaces.size > 0) {
      for (let dot = type.lastIndexOf('.'); dot > 0; dot = type.lastIndexOf('.', dot - 1)) {
        const found = this.#namespaces.get(type.slice(0, dot + 1))
        if (found !== undefined) return found
      }
    }
    return this.#catchAll
  }
}

function duplicate (pattern: string): TypeError {
  return new TypeError(`a handler for "${pattern}" is already registered on this endpoint`)
}
