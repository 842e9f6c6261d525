// Types only: how a handler's `event.data` is inferred from its JSON Schema, and how an endpoint
// declared with a map of event types to schemas checks `.on()` patterns at compile time.
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { FromSchema, JSONSchema } from 'json-schema-to-ts'
import type { WebhookEvent } from './types.js'

/**
 * A JSON Schema: an `as const` literal or a TypeBox schema types `event.data`; any other schema
 * object (or boolean) is still validated, with `data` left `unknown`.
 */
export type SchemaLike = object | boolean

/** The data a schema describes: a Standard Schema's output, TypeBox's `Static`, json-schema-to-ts's `FromSchema`, else `unknown`. */
export type DataOf<S> =
  [S] extends [StandardSchemaV1] ? StandardSchemaV1.InferOutput<S>
    : [S] extends [{ readonly static: infer T }] ? T
      // A bare boolean schema, or the unresolved constraint while TypeScript compares signatures, stays unknown.
        : [S] extends [boolean] ? unknown
            : [SchemaLike] extends [S] ? unknown
              // hookgate validates and never fills in defaults: a property with a `default` may be absent.
                : [S] extends [JSONSchema] ? FromSchema<S, { keepDefaultedPropertiesOptional: true }> : unknown

/** Event types to the data each carries. The open map (any type, `unknown` data) is the default. */
export type EventMap = Record<string, unknown>
export type OpenEventMap = Record<string, unknown>

/** A map of event types to schemas, turned into types to data. */
export type EventMapOf<M> = { [K in keyof M & string]: DataOf<M[K]> }

/** What ends a namespace in an event type, as the router splits them: `order.created`, `orders/create`. */
type Separator = '.' | '/'

/**
 * `a.b/c` → `a.*` | `a.b/*`: the namespace patterns a type belongs to, one per separator in it.
 * Tail-recursive over the characters, so long types stay within the compiler's limits.
 */
type NamespacePatterns<T extends string, Done extends string = '', Found extends string = never> =
  T extends `${infer C}${infer Rest}`
    ? NamespacePatterns<Rest, `${Done}${C}`, C extends Separator ? Found | `${Done}${C}*` : Found>
    : Found

type IsOpen<M> = string extends keyof M ? true : false

/** The type patterns `.on()` accepts: any string for an open map; else a declared type, a namespace of them, or `*`. */
export type TypePattern<M extends EventMap> = IsOpen<M> extends true ? string : (keyof M & string) | NamespacePatterns<keyof M & string> | '*'

/**
 * A pattern as `.on()` takes it: a type pattern, or one scoped to a CloudEvents source. `.on()` spells
 * this union out rather than naming it, so that a wrong key's error lists the valid ones instead of
 * printing `PatternFor<…>`.
 */
export type PatternFor<M extends EventMap> = TypePattern<M> | { readonly source?: string, readonly type: TypePattern<M> }

/** The declared types a pattern matches. */
export type MatchingTypes<M extends EventMap, P> =
  P extends { readonly type: infer T } ? MatchingTypes<M, T>
    : P extends '*' ? keyof M & string
      : P extends `${infer Namespace}*` ? Extract<keyof M & string, `${Namespace}${string}`>
        : Extract<keyof M & string, P>

/** `E` with its `type` and `data` narrowed. */
export type Narrowed<E extends WebhookEvent, T extends string, D> = Omit<E, 'type' | 'data'> & { readonly type: T, readonly data: D }

/**
 * What a handler for pattern `P` receives: for an open map, `E`; for a declared map, the union of the
 * matched types, each with its own data (so `switch (event.type)` narrows `event.data`).
 */
export type EventFor<E extends WebhookEvent, M extends EventMap, P> =
  IsOpen<M> extends true ? E : { [T in MatchingTypes<M, P>]: Narrowed<E, T, M[T]> }[MatchingTypes<M, P>]

/** What a handler with its own schema `S` receives. */
export type EventWithSchema<E extends WebhookEvent, M extends EventMap, P, S> =
  IsOpen<M> extends true ? Omit<E, 'data'> & { readonly data: DataOf<S> } : { [T in MatchingTypes<M, P>]: Narrowed<E, T, DataOf<S>> }[MatchingTypes<M, P>]
