// The value of a leader-lease key in kiln_leader. Only the KV revision decides who holds
// the lease; these fields tell operators (and a standby's logs) who that is.
import { z } from 'zod'
import { id, message, timestamp } from './fields.js'

export const LeaseRecordSchema = message('lease', {
  holderId: id('a holder id'),
  acquiredAt: timestamp,
  renewedAt: timestamp,
  ttlMs: z.number().int().positive(),
})
export type LeaseRecord = z.infer<typeof LeaseRecordSchema>
