/**
 * Instructions executed, by function, from a callgrind output file written with `--dump-instr=yes
 * --compress-pos=no --compress-strings=no`, so that every cost line carries its instruction address.
 * Valgrind names the functions of Node's binary and of the C libraries; JavaScript compiled at run
 * time has no symbols, so code outside any object file (`ob=???`) is named from the perf map that
 * Node writes with `--perf-basic-prof` (/tmp/perf-<pid>.map: start, size and name per code object).
 */

/** Self instructions (not counting callees), by function name. */
export type FunctionCounts = ReadonlyMap<string, number>

interface CodeObject { readonly start: number, readonly end: number, readonly name: string }

/** The code objects of a perf map, by address; of two at one address (freed by GC, then reused), the later. */
export function parsePerfMap (text: string): readonly CodeObject[] {
  const byStart = new Map<number, CodeObject>()
  for (const line of text.split('\n')) {
    const first = line.indexOf(' ')
    const second = line.indexOf(' ', first + 1)
    if (first === -1 || second === -1) continue
    const start = parseInt(line.slice(0, first), 16)
    const size = parseInt(line.slice(first + 1, second), 16)
    if (Number.isFinite(start) && Number.isFinite(size)) byStart.set(start, { start, end: start + size, name: readableName(line.slice(second + 1)) })
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start)
}

/**
 * `JS:*#receive file:///…/dist/core/receiver.js:181:19` → `JS #receive (dist/core/receiver.js:181)`;
 * CommonJS modules come as bare paths (`/…/node_modules/fastify/lib/hooks.js:231:20`). V8's tier
 * marks (`*` optimised, `^` baseline, `~` interpreted, `+` Maglev) are kept after the name: code
 * that is not optimised on a hot path is worth knowing about.
 */
function readableName (name: string): string {
  const js = /^JS:([*^~+]?)(\S*) (.*?)(?::(\d+):\d+)?$/.exec(name)
  if (js === null) return name
  const [, tier = '', fn = '', where = '', line] = js
  const file = where.replace(/^(?:file:\/\/)?\/.*?\/(dist|src|bench|node_modules)\//, '$1/')
  const tierNote = tier === '*' ? '' : ` [${tier === '^' ? 'baseline' : tier === '~' ? 'interpreted' : 'maglev'}]`
  // Code that tsx compiled on the fly reports line 1 for every function: no line then.
  return `JS ${fn === '' ? '(anonymous)' : fn}${tierNote} (${file}${line === undefined || line === '1' ? '' : `:${line}`})`
}

function lookup (objects: readonly CodeObject[], address: number): CodeObject | undefined {
  let low = 0
  let high = objects.length - 1
  while (low <= high) {
    const mid = (low + high) >> 1
    const object = objects[mid] as CodeObject
    if (address < object.start) high = mid - 1
    else if (address >= object.end) low = mid + 1
    else return object
  }
  return undefined
}

/**
 * The whole run's count of each event callgrind collected (`events:` names them, `summary:` counts
 * them): `Ir` always; with `--cache-sim=yes --branch-sim=yes` also the simulated cache misses (`I1mr`,
 * `D1mr`, `D1mw`, …) and mispredicted branches (`Bcm` conditional, `Bim` indirect).
 */
export function eventTotals (text: string): ReadonlyMap<string, number> {
  const names = /^events: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? []
  const counts = /^summary: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number) ?? []
  return new Map(names.map((name, i) => [name, counts[i] ?? 0]))
}

/** The process id callgrind recorded, whose perf map names its JIT code. */
export function callgrindPid (text: string): number | undefined {
  const match = /^pid: (\d+)$/m.exec(text)
  return match === null ? undefined : Number(match[1])
}

export function functionCounts (text: string, perfMap: readonly CodeObject[] = []): FunctionCounts {
  const counts = new Map<string, number>()
  let object = ''
  let fn = '???'
  // The line after `calls=` is the inclusive cost of that call, which belongs to the callee.
  let callCost = false
  for (const line of text.split('\n')) {
    if (line.startsWith('ob=')) object = line.slice(3)
    else if (line.startsWith('fn=')) fn = line.slice(3)
    else if (line.startsWith('calls=')) callCost = true
    else if (line.startsWith('0x')) {
      if (callCost) {
        callCost = false
        continue
      }
      // "<address> <line> <Ir> [<other events>…]": the first event is always Ir.
      const [address = '', , cost = '0'] = line.split(' ')
      const name = object === '???' ? lookup(perfMap, parseInt(address, 16))?.name ?? '???' : fn
      counts.set(name, (counts.get(name) ?? 0) + Number(cost))
    }
  }
  return counts
}
