/**
 * A node:test reporter that prints the slowest tests once the run is over, so a test that starts
 * waiting on a timeout shows up in the next run rather than in a suite that has quietly doubled.
 * Plain JavaScript: the test runner loads its reporters before tsx's loader is in place.
 */
const SHOWN = 10

/** @param {AsyncIterable<{ type: string, data: { name: string, nesting: number, file?: string, details?: { duration_ms?: number } } }>} source */
export default async function * slowest (source) {
  const timings = []
  for await (const { type, data } of source) {
    if ((type === 'test:pass' || type === 'test:fail') && data.nesting === 0 && data.details?.duration_ms !== undefined) {
      timings.push({ name: data.name, file: data.file ?? '', ms: data.details.duration_ms })
    }
  }
  timings.sort((a, b) => b.ms - a.ms)
  const cwd = process.cwd() + '/'
  yield `# slowest ${SHOWN} tests:\n`
  for (const { name, file, ms } of timings.slice(0, SHOWN)) {
    yield `#   ${(ms / 1000).toFixed(2).padStart(6)} s  ${file.replace(cwd, '')}: ${name.length > 100 ? name.slice(0, 97) + '...' : name}\n`
  }
}
