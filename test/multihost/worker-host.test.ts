// A worker host loses power mid-trial (every process in it killed at once, its cable
// dead): the coordinator on another host sees its beats stop, declares it lost and places
// the trial on the other worker host, which resumes it from its last checkpoint in
// JetStream. What the user sees: the node lost, the trial succeeded on its second attempt
// on the other host, every epoch in its history, its model registered once. Lost: nothing.
// Powered back on, the host's worker joins again.
import * as assert from 'uvu/assert'
import { waitFor } from '../helpers/wait-for.js'
import { bedSuite } from './bed/bed-suite.js'
import { kilnJson, laptopDataset, laptopSpec, submitJob } from './bed/workload.js'

const { suite: power, test } = bedSuite('multihost - a worker host powered off mid-trial', { gateway: false })

test('the trial resumes on the other worker host from its checkpoint and finishes once', async (ctx) => {
  const bed = ctx.bed!
  const view = ctx.view!
  const epochs = 8
  // Small batches over 6,000 rows: about a second an epoch, time to power off mid-trial.
  const spec = laptopSpec(bed, 'power-worker', laptopDataset(bed, 6000), {
    training: { epochs, batchSize: 8, validationSplit: 0.1, testSplit: 0.1, seed: 3 },
  })
  const job = await submitJob(bed, spec)
  const trialId = job.trialIds[0]!
  const running = await waitFor(
    'a checkpoint of epoch >= 2 while the trial runs',
    async () => {
      const t = await view.trial(trialId)
      return t?.state === 'running' && (t.checkpoint?.epoch ?? 0) >= 2 ? t : undefined
    },
    300_000,
    100,
  )
  const hosts = await view.hostsOfNodes()
  const victim = hosts.get(running.node!.nodeId)!
  const other = victim === 'worker-1' ? 'worker-2' : 'worker-1'
  assert.ok(bed.powerOff(victim) >= 1, `processes killed on ${victim}`)

  const lost = await waitFor(
    `kiln nodes to show ${victim} lost`,
    async () => {
      const nodes = await kilnJson<Array<{ nodeId: string; name: string; live: boolean }>>(bed, ['nodes'])
      return nodes.find((n) => n.nodeId === running.node!.nodeId && !n.live)
    },
    120_000,
    500,
  )
  assert.is(lost.name, victim)

  const done = await view.jobEnded(job.id, 400_000)
  assert.is(done.state, 'succeeded', JSON.stringify(done.error))
  const trials = await kilnJson<Array<{ id: string; state: string; attempts: number; node?: { nodeId: string } }>>(
    bed,
    ['trials', job.id],
  )
  assert.is(trials.length, 1)
  const t = trials[0]!
  assert.is(t.state, 'succeeded')
  assert.is(t.attempts, 2, 'placed once more, after the power loss')
  assert.is((await view.hostsOfNodes()).get(t.node!.nodeId), other, 'finished on the other worker host')

  const reported = await view.reportedEpochs(trialId)
  // Resumed, not restarted: the epochs before the checkpoint ran once; only the epoch in
  // flight when the power went may have run again.
  for (let e = 1; e <= running.checkpoint!.epoch; e++)
    assert.is(reported.filter((x) => x === e).length, 1, `epoch ${e} reported once: ${reported}`)
  assert.equal(
    [...new Set(reported)].sort((a, b) => a - b),
    Array.from({ length: epochs }, (_, i) => i + 1),
  )
  const record = (await view.trial(trialId))!
  assert.is(record.metrics?.epochs, epochs, `the history has every epoch: ${JSON.stringify(record.metrics)}`)
  const versions = await kilnJson<Array<{ version: number }>>(bed, ['models', 'power-worker'])
  assert.is(versions.length, 1, 'one model version registered')
})

test('powered back on, the host rejoins: kiln nodes lists its worker live again', async (ctx) => {
  const bed = ctx.bed!
  const off = bed.services('worker').find((s) => !s.isReady)!
  bed.powerOn(off.host.name)
  await off.ready(240_000)
  await waitFor(
    `${off.host.name} live in kiln nodes`,
    async () =>
      (await kilnJson<Array<{ name: string; live: boolean }>>(bed, ['nodes'])).some(
        (n) => n.name === off.host.name && n.live,
      ),
    120_000,
    500,
  )
})

power.run()
