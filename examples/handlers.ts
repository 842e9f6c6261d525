// The example's Backchannel handlers, shared by the server (inline or queue mode) and `npm run worker`.
// Their second argument is the request inline and the job's context in queue mode: both have `log`.
import type { Logger } from 'hookgate/core'

interface Event { readonly id: string, readonly type: string, readonly data: unknown }
type Context = { readonly log: Logger }

export async function orderCreated (event: Event, { log }: Context): Promise<void> {
  log.info({ eventId: event.id, order: event.data }, 'order created')
}

export async function orderEvent (event: Event, { log }: Context): Promise<void> {
  log.info({ eventId: event.id, type: event.type }, 'order event')
}

export async function inventoryUpdated (event: Event, { log }: Context): Promise<void> {
  log.info({ eventId: event.id, stock: event.data }, 'inventory updated')
}
