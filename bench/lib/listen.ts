import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { HOST } from './config.js'

/** What every file in bench/servers/ returns: where it listens, and how to stop it. */
export interface RunningServer {
  readonly url: string
  close (): Promise<void>
}

/** A server module: one function that starts one server on 127.0.0.1 and an ephemeral port. */
export type StartServer = () => Promise<RunningServer>

export async function listenFastify (app: FastifyInstance): Promise<RunningServer> {
  const address = await app.listen({ host: HOST, port: 0 })
  return { url: address, close: async () => { await app.close() } }
}

export async function listenNode (server: Server): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => { resolve() })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address')
  return {
    url: `http://${HOST}:${address.port}`,
    close: async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }) }) }
  }
}

/** The logger every hookgate and peer endpoint gets: silent, like Fastify's default `logger: false`. */
const ignore = (): void => {}
export const silentLog = { debug: ignore, info: ignore, warn: ignore, error: ignore }
