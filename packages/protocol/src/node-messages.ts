// What a worker node says about itself: its registration (kept in kiln_nodes, refreshed
// while it lives) and its heartbeat.
import { z } from 'zod'
import { count, id, message, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'

/** The kinds of slot a node offers; a trial asks for one by its resources. */
export const SlotKind = { cpu: 'cpu', gpu: 'gpu' } as const
export type SlotKind = (typeof SlotKind)[keyof typeof SlotKind]

export const SlotSchema = z
  .object(
    {
      id: id('a slot id'),
      kind: z.enum([SlotKind.cpu, SlotKind.gpu], expecting('"cpu" or "gpu"')),
      threads: z.number(expecting('a thread count from 1 to 1024')).int().min(1).max(1024).optional(),
      gpuIndex: z.number(expecting('a GPU index from 0 to 255')).int().min(0).max(255).optional(),
      memoryMB: count.optional(),
    },
    expecting('a slot ({id, kind, threads?, gpuIndex?, memoryMB?})'),
  )
  .superRefine((slot, ctx) => {
    if (slot.kind === SlotKind.gpu && slot.gpuIndex === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['gpuIndex'],
        message: 'a GPU index from 0 to 255 (a gpu slot names its device)',
      })
    }
    if (slot.kind === SlotKind.cpu && slot.gpuIndex !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['gpuIndex'], message: 'no gpuIndex on a cpu slot' })
    }
  })
export type Slot = z.infer<typeof SlotSchema>

/** A node announcing itself and its slots. */
export const NodeRegistrationSchema = message('registration', {
  nodeId: id('a node id'),
  name: text(128, 'a node name'),
  host: text(255, 'a host name'),
  slots: z
    .array(SlotSchema, expecting('a list of 1-256 slots'))
    .min(1)
    .max(256)
    .superRefine((slots, ctx) => {
      const seen = new Set<string>()
      slots.forEach((slot, k) => {
        if (seen.has(slot.id))
          ctx.addIssue({ code: 'custom', path: [k, 'id'], message: 'a slot id not used by another slot of this node' })
        seen.add(slot.id)
      })
    }),
  version: text(64, 'a Kiln version'),
  startedAt: timestamp,
})
export type NodeRegistration = z.infer<typeof NodeRegistrationSchema>

/** A node's liveness beat: how loaded it is and where its trials are. */
export const HeartbeatSchema = message('heartbeat', {
  nodeId: id('a node id'),
  at: timestamp,
  load: z.number(expecting('a number >= 0')).finite().nonnegative(),
  busySlots: z.array(id('a slot id'), expecting('a list of at most 256 slot ids')).max(256),
  trials: z
    .array(
      z.object(
        { trialId: id('a trial id'), epoch: count, attempt: count.optional(), rank: count.optional() },
        expecting('a trial ({trialId, epoch, attempt?, rank?})'),
      ),
      expecting('a list of at most 256 trials'),
    )
    .max(256),
})
export type Heartbeat = z.infer<typeof HeartbeatSchema>
