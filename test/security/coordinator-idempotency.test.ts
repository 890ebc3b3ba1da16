// Issue 13, finding 9: an idempotency key names one submission. Reusing it with the same body
// is a retry (the first job comes back); with another body it is refused with a conflict
// that names the first job, instead of silently returning a job that runs something else.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient, SweepsClient } from '@kiln/client'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster; jobs?: JobsClient; sweeps?: SweepsClient }
const idem = suite<Ctx>('security - coordinator idempotency keys')
const spec = (epochs: number) => ({
  name: 'idem',
  dataset: 'fashion-mnist',
  model: { builtin: 'mlp' },
  training: { epochs },
})

idem.before(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster()
    ctx.jobs = new JobsClient(ctx.cluster.ncs[2]!)
    ctx.sweeps = new SweepsClient(ctx.cluster.ncs[2]!)
  }),
)
idem.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
  }),
)

idem('the same key and body is the same job; another body under that key is a conflict naming it', async ({ jobs }) => {
  const first = await jobs!.submit(spec(2), { idempotencyKey: 'nightly-1' })
  assert.ok(first.created)
  const again = await jobs!.submit(spec(2), { idempotencyKey: 'nightly-1' })
  assert.is(again.created, false)
  assert.is(again.job.id, first.job.id)
  const err = await jobs!.submit(spec(3), { idempotencyKey: 'nightly-1' }).catch((e) => e)
  assert.instance(err, KilnError)
  assert.is(err.code, ErrorCode.conflict)
  assert.ok(err.message.includes(first.job.id), err.message)
  assert.match(err.message, /idempotency key "nightly-1"/)
  assert.is(err.data?.jobId, first.job.id)
  const other = await jobs!.submit(spec(2), { idempotencyKey: 'nightly-1', datasetId: 'ds-other' }).catch((e) => e)
  assert.is(other.code, ErrorCode.conflict, 'a different dataset is a different body too')
  assert.is((await jobs!.jobs()).length, 1, 'nothing else was created')
})

idem('a sweep key reused with another search space is refused the same way', async ({ sweeps }) => {
  const sweep = (high: number) => ({
    ...spec(1),
    name: 'idem-sweep',
    search: { maxTrials: 1, space: { 'optimizer.learningRate': { uniform: [0.001, high] } } },
  })
  const first = await sweeps!.submit(sweep(0.01), { idempotencyKey: 'sweep-key-1' })
  assert.ok(first.created)
  assert.is((await sweeps!.submit(sweep(0.01), { idempotencyKey: 'sweep-key-1' })).created, false)
  const err = await sweeps!.submit(sweep(0.02), { idempotencyKey: 'sweep-key-1' }).catch((e) => e)
  assert.instance(err, KilnError)
  assert.is(err.code, ErrorCode.conflict)
  assert.ok(err.message.includes(first.sweep.id), err.message)
})

idem.run()
