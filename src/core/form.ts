/** The parameters of an `application/x-www-form-urlencoded` body: a name's repeated values in order. */
export type FormParams = Readonly<Record<string, string | readonly string[]>>

/** Most parameters read from one body; a form with more is refused. */
export const MAX_FORM_PARAMS = 1000

/**
 * Reads a form body as UTF-8 `name=value` pairs (`+` as space, `%XX` decoded), into an object with
 * no prototype, so `__proto__` or `constructor` are names like any other. `undefined` past the limit.
 */
export function parseForm (body: Buffer): FormParams | undefined {
  // Counted first, natively: URLSearchParams would read a million empty parameters before the limit
  // (Twilio's form is read to verify its signature, so before anything is trusted).
  for (let at = body.indexOf(0x26), separators = 0; at !== -1; at = body.indexOf(0x26, at + 1)) {
    if (++separators >= MAX_FORM_PARAMS) return undefined
  }
  const params = Object.create(null) as Record<string, string | string[]>
  let count = 0
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (++count > MAX_FORM_PARAMS) return undefined
    const seen = params[name]
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return params
}
