// What the leader writes to JetStream per trial, and why a placement need not be written:
// a node that is a test double (registration, heartbeats, a command handler, status
// requests by hand), so the exact order of events around a leader change is in the test's
// hands. Every write is an fsync on a real cluster, the limit of its dispatch rate.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { JobsClient } from '@kiln/client'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { TrialRecordSchema, decode } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  layout?: Layout
  client?: JobsClient
  coords?: Coordinator[]
  node?: FakeNode
}
const writes = suite<Ctx>('cluster - store writes per trial')
const quiet = () => {}
const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }
const NODE = 'node-double'
const spec = (name: string) => ({ name, dataset: 'fashion-mnist', model: { builtin: 'mlp' } })

const lastSeq = async (layout: Layout, stream: string) => (await layout.jsm.streams.info(stream)).state.last_seq
const stored = async (layout: Layout, trialId: string) =>
  decode(TrialRecordSchema, (await layout.kv.trials.get(trialId))!.value)

writes.before.each(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[1]!, layoutOpts)
    ctx.client = new JobsClient(ctx.ncs[2]!)
    ctx.coords = [await startCoordinator({ nc: ctx.ncs[0]!, id: 'coord-a', layout: layoutOpts, log: quiet })]
    await ctx.coords[0]!.leading()
    ctx.node = fakeNode(ctx.ncs[1]!, ctx.layout)
  }),
)
writes.after.each(
  loud(async (ctx) => {
    ctx.node?.stop()
    for (const c of ctx.coords ?? []) await c.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

writes(
  'a trial is written three times and its job three times (created, running, ended); a queue reason is not written',
  async ({ layout, client, node }) => {
    await node!.join()
    const before = { trials: await lastSeq(layout!, 'KV_kiln_trials'), jobs: await lastSeq(layout!, 'KV_kiln_jobs') }
    const [a, b] = [await client!.submit(spec('first')), await client!.submit(spec('second'))]
    const queued = b.job.trialIds[0]!
    await waitFor('the first assignment', () => node!.assigned.length === 1)
    assert.match(
      (await waitFor('a queue reason', async () => (await client!.show(queued)).trial?.reason)) as string,
      /1 cpu slot, 0 free/,
    )
    assert.is((await stored(layout!, queued)).reason, undefined, 'a queue reason stays in memory')
    for (const [k, job] of [a, b].entries()) {
      await waitFor(`assignment ${k + 1}`, () => node!.assigned.length === k + 1)
      const trialId = job.job.trialIds[0]!
      assert.is(node!.assigned[k]!.trialId, trialId)
      assert.is((await stored(layout!, trialId)).state, 'pending', 'a placement is staged, not written')
      assert.equal(await node!.status({ trialId, attempt: 1, state: 'running' }), {
        v: 1,
        ok: true,
        data: { state: 'running' },
      })
      const running = await stored(layout!, trialId)
      assert.equal([running.state, running.node, running.attempts], ['running', { nodeId: NODE, slotId: 'cpu0' }, 1])
      assert.ok((await node!.status({ trialId, attempt: 1, state: 'succeeded', metrics: { score: 1 } })).ok)
    }
    await waitFor(
      'both jobs to succeed',
      async () => (await client!.jobs()).filter((j) => j.state === 'succeeded').length === 2,
    )
    assert.is((await lastSeq(layout!, 'KV_kiln_trials')) - before.trials, 6)
    assert.is((await lastSeq(layout!, 'KV_kiln_jobs')) - before.jobs, 6)
  },
)

writes(
  'a placement the old leader never wrote: its node is refused by the new leader, and the trial is placed again',
  async (ctx) => {
    const { layout, client, node } = ctx
    await node!.join()
    const { job } = await client!.submit(spec('fenced'))
    const trialId = job.trialIds[0]!
    await waitFor('the assignment', () => node!.assigned.length === 1)
    // The node goes quiet and the leader goes, before the node said that it runs the trial.
    await node!.leave()
    await ctx.coords![0]!.stop()
    ctx.coords!.push(await startCoordinator({ nc: ctx.ncs![0]!, id: 'coord-b', layout: layoutOpts, log: quiet }))
    await ctx.coords![1]!.leading()
    // Retried as a node retries its statuses: the new leader's subscriptions may not have
    // reached the server yet (no responders).
    const refused = await waitFor(
      'the new leader to answer',
      () => node!.status({ trialId, attempt: 1, state: 'running' }),
      10_000,
    )
    assert.is(refused.ok, false)
    assert.is(refused.error?.code, 'conflict')
    assert.equal(
      [(await stored(layout!, trialId)).state, (await client!.show(trialId)).trial?.state],
      ['pending', 'pending'],
    )
    // Back again, the node gets the trial anew from the new leader, and now runs it.
    ctx.node = fakeNode(ctx.ncs![1]!, layout!)
    await ctx.node.join()
    await waitFor('a new assignment', () => ctx.node!.assigned.length === 1)
    assert.ok((await ctx.node.status({ trialId, attempt: ctx.node.assigned[0]!.attempt, state: 'running' })).ok)
    assert.is((await stored(layout!, trialId)).state, 'running')
  },
)

writes.run()
