/**
 * Refuses an option the preset does not take (a misspelt `tolerence`, or `maxAge` where the sender
 * signs no time): in JavaScript it would be ignored without a word, and the bound it meant missing.
 */
export function onlyKnownOptions (options: object, call: string, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw new TypeError(`${call}: unknown option ${JSON.stringify(name)} (it takes ${known.map((k) => `"${k}"`).join(', ')})`)
  }
}
