/**
 * The one catalogue of everything hookgate refuses or fails with: a stable code, the HTTP status a
 * sender receives, and the short message it may read. `docs/errors.md` mirrors this table.
 */
export const ERROR_CATALOGUE = {
  HOOKGATE_SIGNATURE_MISSING: { status: 401, message: 'signature is missing' },
  HOOKGATE_SIGNATURE_INVALID: { status: 401, message: 'signature does not match the request body' },
  HOOKGATE_TIMESTAMP_OUT_OF_TOLERANCE: { status: 401, message: 'event timestamp is outside the accepted window' },
  HOOKGATE_CREDENTIALS_MISSING: { status: 401, message: 'credentials are missing' },
  HOOKGATE_CREDENTIALS_INVALID: { status: 401, message: 'credentials are not valid' },
  HOOKGATE_BODY_TOO_LARGE: { status: 413, message: 'request body is larger than the limit' },
  HOOKGATE_BODY_UNREADABLE: { status: 400, message: 'request body could not be read' },
  HOOKGATE_HEADER_REPEATED: { status: 400, message: 'a header that must appear once is repeated' },
  HOOKGATE_BODY_TIMEOUT: { status: 408, message: 'the request body did not arrive in time' },
  HOOKGATE_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'content type must be JSON' },
  HOOKGATE_UNSUPPORTED_ENCODING: { status: 415, message: 'content encoding is not supported: send the body uncompressed, as signed' },
  HOOKGATE_BODY_NOT_JSON: { status: 400, message: 'body is not valid JSON' },
  HOOKGATE_ENVELOPE_INVALID: { status: 400, message: 'event envelope is incomplete or malformed' },
  HOOKGATE_PAYLOAD_INVALID: { status: 400, message: 'event payload does not match its schema' },
  HOOKGATE_SCHEMA_FAILED: { status: 500, message: 'the event schema failed while validating' },
  HOOKGATE_EVENT_UNKNOWN: { status: 422, message: 'no handler accepts this event type' },
  HOOKGATE_DELIVERY_IN_PROGRESS: { status: 409, message: 'this event is being handled by another delivery' },
  HOOKGATE_HANDLER_FAILED: { status: 500, message: 'the event handler failed' },
  HOOKGATE_HANDLER_TIMEOUT: { status: 500, message: 'the event handler did not finish in time' },
  HOOKGATE_REPLY_INVALID: { status: 500, message: 'the event handler returned a reply the sender cannot read' },
  HOOKGATE_SECRETS_UNAVAILABLE: { status: 503, message: 'verification secrets are unavailable' },
  HOOKGATE_STORE_UNAVAILABLE: { status: 503, message: 'the idempotency store is unavailable' },
  HOOKGATE_QUEUE_UNAVAILABLE: { status: 503, message: 'the event could not be queued' },
  HOOKGATE_SHUTTING_DOWN: { status: 503, message: 'the receiver is shutting down' },
  HOOKGATE_CONNECTION_CLOSING: { status: 503, message: 'the connection is closing after an earlier refusal' },
  HOOKGATE_BODY_ALREADY_PARSED: { status: 500, message: 'the request body was read before hookgate could verify it' },
  HOOKGATE_INTERNAL: { status: 500, message: 'internal error' }
} as const satisfies Record<string, { readonly status: number, readonly message: string }>

export type HookgateErrorCode = keyof typeof ERROR_CATALOGUE

/** One problem found by a JSON Schema: a JSON Pointer into the event's data and what is wrong there. */
export interface ValidationIssue {
  readonly path: string
  readonly message: string
}

export interface HookgateErrorDetails {
  /** Why, for logs only: never sent to the sender. */
  readonly reason?: string
  /** The event id, when the refusal happened after the envelope was read. */
  readonly eventId?: string
  /** Schema problems, sent to the sender with `HOOKGATE_PAYLOAD_INVALID`. */
  readonly errors?: readonly ValidationIssue[]
  /** Response headers the refusal requires, e.g. `WWW-Authenticate` for a 401 from Basic auth. */
  readonly headers?: Readonly<Record<string, string>>
  readonly cause?: unknown
}

/**
 * Every refusal and failure hookgate reports. Shaped like `@fastify/error` (`name`, `code`,
 * `statusCode`, `cause`) so Fastify's error handling and `err.code` checks work unchanged.
 * `err instanceof HookgateError` catches all of them.
 */
export class HookgateError extends Error {
  readonly code: HookgateErrorCode
  readonly statusCode: number
  readonly reason: string | undefined
  readonly eventId: string | undefined
  readonly errors: readonly ValidationIssue[] | undefined
  readonly headers: Readonly<Record<string, string>> | undefined

  constructor (code: HookgateErrorCode, details: HookgateErrorDetails = {}) {
    const spec = ERROR_CATALOGUE[code]
    super(spec.message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'HookgateError'
    this.code = code
    this.statusCode = spec.status
    this.reason = details.reason
    this.eventId = details.eventId
    this.errors = details.errors
    this.headers = details.headers
  }
}

/**
 * Builds a refusal without capturing a stack trace. A refusal is an expected answer to a hostile or
 * broken request, not a bug, and a forged request must not cost more to refuse than a genuine one
 * costs to accept (capturing a stack is the most expensive part of `new Error()`).
 */
export function refusal (code: HookgateErrorCode, details?: HookgateErrorDetails): HookgateError {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new HookgateError(code, details)
  } finally {
    Error.stackTraceLimit = limit
  }
}
