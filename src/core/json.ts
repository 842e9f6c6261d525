import secureJson from 'secure-json-parse'

/** Parses JSON, refusing `__proto__` and `constructor.prototype` keys as Fastify's own parser does. */
export function parseJson (body: Buffer): { ok: true, value: unknown } | { ok: false, reason: string } {
  try {
    return { ok: true, value: secureJson.parse(body.toString('utf8')) }
  } catch (err) {
    // V8's messages quote part of the body; a log line should not carry payload data.
    const message = (err as Error).message
    return { ok: false, reason: message.includes('prototype property') ? message : 'not valid JSON' }
  }
}
