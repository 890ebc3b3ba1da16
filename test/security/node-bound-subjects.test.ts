// Issue 13, node-bound trial subjects: a trial's log lines, metrics and ring messages go out
// on subjects that name the node that sends them, and only that node may publish there, so
// a compromised node-2 cannot write into node-1's trial: not its log, not its metric
// history (which a new coordinator replays into a sweep), not its ring (a rank hears only its
// previous rank's node). The subjects are the ones a real trial on node-1 used.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { StreamName } from '@kiln/cluster-state'
import type { Subscription } from '@nats-io/transport-node'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { loud } from '../helpers/hooks.js'
import { assertDenied, assertNotDelivered } from '../local/role-server.js'
import { startScriptCluster, type ScriptCluster } from './script-trials.js'

type Ctx = { s?: ScriptCluster }
const bound = suite<Ctx>('security - a node writes only its own trial subjects')

bound.before(
  loud(async (ctx) => {
    ctx.s = await startScriptCluster({ slots: 2 })
  }),
)
bound.after(loud(async (ctx) => ctx.s?.close()))

// Two ranks on node-1 (its two slots), so the worker runs their ring.
const RANKS = `import * as tf from '@tensorflow/tfjs'
export default async function (ctx) {
  const { train, sampleShape, numClasses } = await ctx.data()
  console.log('training')
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: sampleShape, units: numClasses, activation: 'softmax' })] })
  model.compile({ optimizer: ctx.distributed(ctx.optimizer()), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 4, callbacks: ctx.callbacks(), yieldEvery: 'never' })
  return model
}
`

// The subjects of `stream` holding messages of `trialId`.
async function storedSubjects(s: ScriptCluster, stream: string, prefix: string, trialId: string): Promise<string[]> {
  const jsm = await jetstreamManager(s.c.nc.admin)
  const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}.>` })
  return Object.keys(info.state.subjects ?? {}).filter(
    (k) => k === `${prefix}.${trialId}` || k.startsWith(`${prefix}.${trialId}.`),
  )
}

bound("node-2 cannot write node-1's trial logs, metrics or ring", async (ctx) => {
  const s = ctx.s!
  const ring = new Set<string>()
  const watch: Subscription = s.c.nc.admin.subscribe('kiln.trial.*.ring.>', {
    callback: (_e, m) => ring.add(m.subject),
  })
  const { trial } = await s.run('bound', RANKS, {
    metric: { name: 'loss', mode: 'min' },
    resources: { replicas: 2 },
    training: { epochs: 2, batchSize: 4, validationSplit: 0, testSplit: 0 },
  })
  watch.unsubscribe()
  assert.is(trial.state, 'succeeded', trial.error?.message)
  const logs = await storedSubjects(s, StreamName.logs, 'kiln.logs', trial.id)
  const metrics = await storedSubjects(s, StreamName.metrics, 'kiln.metrics', trial.id)
  const rings = [...ring].filter((r) => r.startsWith(`kiln.trial.${trial.id}.`))
  assert.ok(logs.length > 0 && metrics.length > 0 && rings.length > 0, JSON.stringify({ logs, metrics, rings }))
  const js = jetstream(s.c.nc.worker2)
  const bytes = new TextEncoder().encode('{"forged":true}')
  for (const subject of [...logs, ...metrics])
    await assertDenied(() => js.publish(subject, bytes), `node-2 → ${subject}`)
  for (const subject of rings) await assertNotDelivered(s.c.nc.worker2, subject, s.c.nc.admin, s.c.nc.admin)
  // Its own subjects stay open to it, and they are not node-1's.
  const own = `kiln.logs.${trial.id}.node-2`
  assert.not.ok(logs.includes(own))
  assert.ok((await js.publish(own, bytes)).seq > 0)
})

bound.run()
