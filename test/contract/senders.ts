// The two senders the contract runs with, each able to produce a genuine delivery of any event.
import type { ContractOptions } from './harness.js'
import type { Provider } from '../../src/core/types.js'
import { backchannel, bread } from '../../src/providers/index.js'
import { signBackchannel, signBread } from '../../src/testing/index.js'
import { BASIC_AUTH, KID, NOW, SECRET as BREAD_SECRET, TIMESTAMP } from '../fixtures/bread/keys.js'

export interface Sender {
  readonly name: string
  readonly provider: Provider
  readonly options: ContractOptions
  /** A genuine delivery of an event of `type` with `data` (or the raw `body` given), signed with `secret` when forging. */
  deliver (type: string, data: Record<string, unknown>, change?: { secret?: string, body?: string, id?: string }): { headers: Record<string, string>, body: string }
  /** The headers that carry the signature or credentials, for "missing" cases. */
  readonly signatureHeaders: readonly string[]
}

const BC_SECRET = 'contract-backchannel-secret'

export const SENDERS: readonly Sender[] = [
  {
    name: 'backchannel',
    provider: backchannel({ secret: BC_SECRET }),
    options: {},
    deliver (type, data, change = {}) {
      const body = change.body ?? JSON.stringify({ id: change.id ?? `evt_${type}`, type, created_at: 1708456200, data })
      return { headers: { ...signBackchannel(body, change.secret ?? BC_SECRET) }, body }
    },
    signatureHeaders: ['x-bc-signature']
  },
  {
    name: 'bread',
    provider: bread({ keys: { [KID]: BREAD_SECRET }, basicAuth: BASIC_AUTH }),
    options: { now: () => NOW },
    deliver (type, data, change = {}) {
      const body = change.body ?? JSON.stringify({ identity: { tenantID: 'tenant-1' }, ...data })
      const headers = signBread(body, { kid: KID, secret: change.secret ?? BREAD_SECRET, basicAuth: BASIC_AUTH, timestamp: TIMESTAMP, ceType: type, ceId: change.id ?? `ce-${type}` })
      return { headers: { ...headers }, body }
    },
    signatureHeaders: ['x-jws-signature']
  }
]
