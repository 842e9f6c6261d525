// Sections of bench/results.md that a script of their own writes (bench/queue.ts, bench/forged.ts),
// each between its markers, and that `npm run bench` keeps as they are when it rewrites the rest.
import { readFileSync, writeFileSync } from 'node:fs'

const RESULTS = new URL('../results.md', import.meta.url)
const OWN_SECTIONS = { 'queue-bench': 'bench/queue.ts', 'forged-bench': 'bench/forged.ts' } as const

type Section = keyof typeof OWN_SECTIONS

const pattern = (name: Section): RegExp => new RegExp(`<!-- ${name} -->[\\s\\S]*<!-- \\/${name} -->`)

/** Writes (or replaces) one section: its title, who wrote it and when, then `lines`. */
export function writeSection (name: Section, title: string, npmScript: string, lines: readonly string[]): void {
  const section = [
    `<!-- ${name} -->`,
    `## ${title}`,
    '',
    `_Written by \`${npmScript}\` (${OWN_SECTIONS[name]}) on ${new Date().toISOString()}; \`npm run bench\` keeps this section._`,
    '',
    ...lines,
    `<!-- /${name} -->`
  ].join('\n')
  const others = readFileSync(RESULTS, 'utf8').replace(new RegExp(`\\n*${pattern(name).source}\\n?`), '')
  writeFileSync(RESULTS, `${others.trimEnd()}\n\n${section}\n`)
}

/** The sections written by their own scripts, as they stand in bench/results.md now, to be kept. */
export function ownSections (): string[] {
  const current = readFileSync(RESULTS, 'utf8')
  return (Object.keys(OWN_SECTIONS) as Section[]).map((name) => pattern(name).exec(current)?.[0]).filter((section) => section !== undefined)
}
