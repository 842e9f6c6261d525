/** Instructions executed, by function name, from a cachegrind output file (`--cache-sim=no`: one count per line). */
export type FunctionCounts = ReadonlyMap<string, number>

export function functionCounts (text: string): FunctionCounts {
  const counts = new Map<string, number>()
  let fn = '???'
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) {
      fn = line.slice(3)
      continue
    }
    const code = line.charCodeAt(0)
    if (code < 48 || code > 57) continue
    // "<line> <Ir>": the instructions executed on one source line of `fn`.
    const space = line.indexOf(' ')
    if (space !== -1) counts.set(fn, (counts.get(fn) ?? 0) + Number(line.slice(space + 1)))
  }
  return counts
}
