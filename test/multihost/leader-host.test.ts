// The leading coordinator's host loses power mid-sweep: the standby on the other
// coordinator host takes the leader lease once it expires, reads the sweep's event log back
// and carries on. What the user sees: the sweep succeeded with every trial, each trained
// once (each epoch reported once), the best model registered; the cluster's status names
// the new leader. Lost: nothing. Powered back on, the old host's coordinator stands by.
import * as assert from 'uvu/assert'
import { waitFor } from '../helpers/wait-for.js'
import { bedSuite } from './bed/bed-suite.js'
import type { Testbed } from './bed/testbed.js'
import { kilnJson, laptopDataset, laptopSpec, launchSweep, onceEach } from './bed/workload.js'

const { suite: leader, test } = bedSuite("multihost - the leader coordinator's host powered off mid-sweep", {
  gateway: false,
})

/** The host whose coordinator printed `id` in its ready line. */
function hostOfCoordinator(bed: Testbed, id: string): string | undefined {
  return bed.services('coordinator').find((s) => s.readyInfo()?.id === id)?.host.name
}

test('the standby on the other host takes over; the sweep finishes with no trial trained twice', async (ctx) => {
  const bed = ctx.bed!
  const view = ctx.view!
  const trialsWanted = 6
  const spec = laptopSpec(bed, 'power-leader', laptopDataset(bed, 3000), {
    training: { epochs: 3, batchSize: 16, validationSplit: 0.1, testSplit: 0.1, seed: 3 },
    search: {
      algorithm: 'random',
      maxTrials: trialsWanted,
      maxConcurrent: 2,
      space: { 'optimizer.learningRate': { loguniform: [1e-3, 3e-2] } },
    },
  })
  const sweep = await launchSweep(bed, spec)
  await waitFor(
    '2 trials to have started',
    async () => (await view.sweeps.show(sweep.id)).trials.filter((t) => t.state !== 'pending').length >= 2,
    300_000,
    300,
  )
  const before = (await view.jobs.status()).leader
  const leaderHost = hostOfCoordinator(bed, before)
  assert.ok(leaderHost, `the leader ${before} runs on one of the coordinator hosts`)
  assert.ok(bed.powerOff(leaderHost!) >= 1)

  const done = await view.sweepEnded(sweep.id, 500_000)
  assert.is(done.state, 'succeeded', done.endReason)
  const status = await view.jobs.status()
  assert.is.not(status.leader, before, 'a new leader')
  const standbyHost = hostOfCoordinator(bed, status.leader)
  assert.ok(standbyHost && standbyHost !== leaderHost, `led from the other host (${standbyHost})`)

  const shown = await kilnJson<{ state: string; leaderboard: unknown[] }>(bed, ['sweep', 'show', sweep.id])
  assert.is(shown.state, 'succeeded')
  assert.is(shown.leaderboard.length, trialsWanted, 'every trial on the leaderboard')
  const { trials } = await view.sweeps.show(sweep.id)
  assert.is(trials.length, trialsWanted, `one cluster trial per sweep trial: ${trials.map((t) => t.id)}`)
  for (const t of trials) {
    assert.is(t.state, 'succeeded', `${t.id}: ${JSON.stringify(t.error)}`)
    const epochs = await view.reportedEpochs(t.id)
    assert.ok(onceEach(epochs, 3), `${t.id} (attempts ${t.attempts}) reported epochs ${epochs}: trained once`)
  }
  assert.ok(done.model, 'the best model registered')
})

test('powered back on, its coordinator stands by: the leader stays', async (ctx) => {
  const bed = ctx.bed!
  const off = bed.services('coordinator').find((s) => !s.isReady)!
  const current = (await ctx.view!.jobs.status()).leader
  bed.powerOn(off.host.name)
  await off.ready(240_000)
  assert.is((await ctx.view!.jobs.status()).leader, current)
})

leader.run()
