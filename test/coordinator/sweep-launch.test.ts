// Issue 15: a sweep whose space does not fit the job spec is refused by the coordinator
// before any job, sweep or trial exists (the CLI refuses it too, before uploading anything).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient, SweepsClient } from '@kiln/client'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster }
const launch = suite<Ctx>('coordinator - sweeps are checked before launch')

launch.before(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster()
  }),
)
launch.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
  }),
)

launch('a misspelt space key or an out-of-range distribution creates nothing', async ({ cluster }) => {
  const sweeps = new SweepsClient(cluster!.ncs[2]!)
  const jobs = new JobsClient(cluster!.ncs[2]!)
  const spec = (space: Record<string, unknown>) => ({
    name: 'checked',
    dataset: 'fashion-mnist',
    model: { builtin: 'mlp' },
    search: { maxTrials: 2, space },
  })
  const typo = await sweeps.submit(spec({ 'optimizer.learningrate': { loguniform: [1e-4, 1e-2] } })).catch((e) => e)
  assert.instance(typo, KilnError)
  assert.is(typo.code, ErrorCode.invalidArgument)
  assert.match(typo.message, /search\.space\.optimizer\.learningrate: .*did you mean "learningRate"/)
  const range = await sweeps.submit(spec({ 'training.batchSize': { int: [0, 64] } })).catch((e) => e)
  assert.match(range.message, /search\.space\.training\.batchSize: its low bound 0 does not fit/)
  assert.equal([(await sweeps.list()).length, (await jobs.jobs()).length, (await jobs.trials()).length], [0, 0, 0])
})

launch.run()
