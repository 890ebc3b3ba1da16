// A worker whose epoch report the coordinator refuses (the attempt is stale: the trial was
// lost and placed again) must stop that attempt and keep the epoch out of the trial's
// history: KILN_METRICS holds the current placement's epochs only. A real worker and a real
// trial; the test answers the coordinator's subjects itself, so the refusal comes exactly at
// epoch 2 (sweep-faults saw a lost attempt's epoch stored beside its retry's).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { trialMetrics } from '@kiln/client'
import { call, ensureLayout, serve } from '@kiln/cluster-state'
import {
  ErrorCode,
  KilnError,
  NodeCommandReplySchema,
  NodeCommandSchema,
  Subjects,
  TrialReportSchema,
  TrialStatusUpdateSchema,
  type TrialReportMessage,
  type TrialStatusUpdate,
} from '@kiln/protocol'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  worker?: WorkerAgent
  data?: { dir: string; remove(): void }
}
const fenced = suite<Ctx>('cluster - a refused report fences the attempt on its worker')
const layout = { heartbeatMs: 250, leaseTtlMs: 2000 }

fenced.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 300, [6], 3)
    ctx.ncs = await Promise.all([0, 1].map(() => connect({ servers: ctx.server!.url })))
    await ensureLayout(ctx.ncs[0]!, layout)
    ctx.worker = await startWorker({
      nc: ctx.ncs[1]!,
      slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
      layout,
      log: () => {},
      cacheDir: `${ctx.data.dir}/cache`,
      warmTrialCode: false,
    })
  }),
)
fenced.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

fenced('a refused epoch is not stored, and the attempt says and trains nothing more', async (ctx) => {
  const nc = ctx.ncs![0]!
  const trialId = 'job-fence-t0'
  const statuses: TrialStatusUpdate[] = []
  const reports: TrialReportMessage[] = []
  // The coordinator's side: the placement starts, epoch 1 is accepted, then it is stale.
  const subs = [
    serve(nc, Subjects.trial.allStatus, TrialStatusUpdateSchema, async (u) => {
      statuses.push(u)
      return { state: u.state === 'running' ? 'running' : 'pending' }
    }),
    serve(nc, Subjects.trial.allReports, TrialReportSchema, async (r) => {
      reports.push(r)
      if (r.epoch === 1) return { decision: 'continue' }
      throw new KilnError(ErrorCode.conflict, `trial ${trialId} attempt 1 is not the current placement; stop it`)
    }),
  ]
  try {
    const spec = {
      name: 'fence',
      dataset: `${ctx.data!.dir}/x.npy`,
      model: { builtin: 'mlp', hidden: [8] },
      training: { epochs: 4, batchSize: 32, validationSplit: 0.2, seed: 3 },
    }
    const assignment = { v: 1, trialId, jobId: 'job-fence', slotId: 'cpu0', spec, attempt: 1 } as const
    const command = { v: 1, kind: 'assign', assignment } as const
    await call(nc, Subjects.node.command(ctx.worker!.nodeId), NodeCommandSchema, command, NodeCommandReplySchema)
    await waitFor('the refused report', () => reports.length > 1, 60_000)
    await waitFor('the attempt to end on the worker', () => ctx.worker!.running().length === 0, 60_000)
    assert.equal(
      reports.map((r) => r.epoch),
      [1, 2],
      'no epoch trained after the refusal',
    )
    assert.equal(
      statuses.map((s) => [s.state, s.checkpoint?.epoch]),
      [
        ['running', undefined],
        ['checkpointed', 1],
      ],
      'no checkpoint or end said for a stale attempt',
    )
    const stored: Array<[number, number | undefined]> = []
    for await (const m of trialMetrics(nc, trialId)) stored.push([m.epoch, m.attempt])
    assert.equal(stored, [[1, 1]], 'the accepted epoch, with its attempt; not the refused one')
  } finally {
    for (const s of subs) s.unsubscribe()
  }
})

fenced.run()
