// Raw HTTP/1 over a socket, for what clients hide: pipelining, interim 100 answers, bytes after an answer.
import { connect } from 'node:net'

/** The status of every answer in `text`, interim ones included. */
export const statuses = (text: string): string[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1] as string)

export interface Conversation {
  /** Whether enough has come back (a little more is still read, then the socket is closed). */
  readonly enough: (text: string) => boolean
  /** Called with each chunk and the socket, to write more. */
  readonly onChunk?: (chunk: string, write: (data: string) => void) => void
  /** Called once the connection is open and the opening written, to write more later. */
  readonly onOpen?: (write: (data: string) => void) => void
  /** Gives up after this long. */
  readonly ms: number
}

/** Writes `opening` and returns what came back once `enough` said so, the server closed, or `ms` passed. */
export async function converse (port: number, opening: string, { enough, onChunk, onOpen, ms }: Conversation): Promise<string> {
  return await new Promise((resolve, reject) => {
    let text = ''
    const write = (data: string): void => { if (!socket.destroyed) socket.write(data) }
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(opening)
      onOpen?.(write)
    })
    const done = (): void => { clearTimeout(timer); socket.destroy(); resolve(text) }
    const timer = setTimeout(done, ms)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      text += chunk
      onChunk?.(chunk, write)
      if (enough(text)) setTimeout(done, 50)
    })
    socket.on('close', done)
    socket.on('error', reject)
  })
}
