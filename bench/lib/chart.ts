import { CONFIG } from './config.js'
import { rowOf, type Table } from './analyse.js'
import { SERVERS } from './servers.js'
import { SIZE_WORKLOADS } from './workloads.js'

const COLORS = ['#4c78a8', '#f58518', '#54a24b']

function esc (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * A horizontal grouped bar chart, written as SVG text from the measured numbers: for every server,
 * its median req/s relative to bare-fastify at each body size.
 */
export function throughputChart (tables: readonly Table[], rounds: number): string {
  const label = 240
  const plot = 480
  const right = 50
  const width = label + plot + right
  const bar = 10
  const gap = 2
  const rowHeight = SIZE_WORKLOADS.length * (bar + gap) + 12
  const top = 64
  const height = top + SERVERS.length * rowHeight + 36
  const values = SERVERS.flatMap((s) => SIZE_WORKLOADS.map((w) => rowOf(tables.find((t) => t.workload.id === w.id), s.name)?.vsBare?.median ?? 0))
  const max = Math.max(1.1, Math.ceil(Math.max(...values) * 10) / 10)
  const x = (v: number): number => label + (v / max) * plot
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`)
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">Throughput relative to bare Fastify (1.0 = bare-fastify)</text>`)
  out.push(`<text x="${width / 2}" y="37" text-anchor="middle" fill="#555">median of ${rounds} interleaved rounds, ${CONFIG.connections} connections, genuine signed requests</text>`)
  SIZE_WORKLOADS.forEach((w, i) => {
    const lx = label + i * 110
    out.push(`<rect x="${lx}" y="46" width="12" height="10" fill="${COLORS[i] ?? '#999'}"/><text x="${lx + 16}" y="55">${esc(w.label)}</text>`)
  })
  for (let t = 0; t <= max + 1e-9; t += 0.25) {
    const gx = x(t)
    out.push(`<line x1="${gx.toFixed(1)}" y1="${top - 4}" x2="${gx.toFixed(1)}" y2="${height - 30}" stroke="${Math.abs(t - 1) < 1e-9 ? '#333' : '#ddd'}" stroke-width="${Math.abs(t - 1) < 1e-9 ? 1.5 : 1}"/>`)
    out.push(`<text x="${gx.toFixed(1)}" y="${height - 14}" text-anchor="middle" fill="#555">${t.toFixed(2)}</text>`)
  }
  SERVERS.forEach((spec, r) => {
    const y0 = top + r * rowHeight
    if (spec.role === 'hookgate') out.push(`<rect x="0" y="${y0 - 4}" width="${width}" height="${rowHeight - 4}" fill="#fff4d6"/>`)
    const weight = spec.role === 'hookgate' || spec.role === 'optimum' ? ' font-weight="bold"' : ''
    out.push(`<text x="${label - 8}" y="${y0 + rowHeight / 2 - 2}" text-anchor="end"${weight}>${esc(spec.name)}</text>`)
    SIZE_WORKLOADS.forEach((w, i) => {
      const row = rowOf(tables.find((t) => t.workload.id === w.id), spec.name)
      const y = y0 + i * (bar + gap)
      if (row?.vsBare === undefined) {
        out.push(`<text x="${label + 4}" y="${y + bar - 1}" fill="#a00" font-size="10">not measured</text>`)
        return
      }
      const v = row.vsBare.median
      out.push(`<rect x="${label}" y="${y}" width="${Math.max(0.5, x(v) - label).toFixed(1)}" height="${bar}" fill="${COLORS[i] ?? '#999'}"/>`)
      out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + bar - 1}" font-size="10" fill="#333">${v.toFixed(2)}</text>`)
    })
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
