import { spawn, type ChildProcess } from 'node:child_process'
import type { TestContext } from 'node:test'

/**
 * Runs a TypeScript fixture in a process of its own (killed after the test) and resolves once it
 * prints "PORT <n>" (the port it listens on) or "READY" (port 0).
 */
export async function startFixture (t: TestContext, script: URL, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script.pathname], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('READY')) resolve(0)
      const match = /PORT (\d+)/.exec(output)
      if (match !== null) resolve(Number(match[1]))
    })
    child.on('exit', (code) => { reject(new Error(`${script.pathname} exited with ${code}`)) })
  })
  return { child, port }
}

/** Sends a Backchannel-shaped event, signed by `headers`, to /hook and resolves the status. */
export async function deliverTo (port: number, headers: (body: string) => Record<string, string>, id: string, type = 'order.created'): Promise<number> {
  const body = JSON.stringify({ id, type, data: {} })
  const res = await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', headers: headers(body), body })
  await res.arrayBuffer()
  return res.status
}
