// /metrics of the coordinator and of a worker: Prometheus text from prom-client, with what an
// operator needs to see (queue, trials by state, placements, heartbeats, KV write latency;
// a worker's slots, trial counts and kernel threads) and the process metrics.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient } from '@kiln/client'
import { startWorker } from '@kiln/worker'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { TEST_LAYOUT, startTestCluster, type TestCluster } from '../helpers/coordinator.js'

const quiet = () => {}
type Ctx = { cluster?: TestCluster; node?: FakeNode }
const metrics = suite<Ctx>('coordinator - /metrics of coordinator and worker')

/** The value of one sample line (`name{labels} value`), or undefined. */
async function sample(port: number, line: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

metrics.before(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster({ metricsPort: 0 })
  }),
)
metrics.after(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.cluster?.stop()
  }),
)

metrics('the coordinator counts placements, heartbeats, trials by state and KV writes', async (ctx) => {
  const port = ctx.cluster!.coords[0]!.metricsPort!
  assert.is(await sample(port, 'kiln_coordinator_leader'), 1)
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout)
  await ctx.node.join()
  const client = new JobsClient(ctx.cluster!.ncs[2]!)
  const { job } = await client.submit({ name: 'metrics', dataset: 'fashion-mnist', model: { builtin: 'mlp' } })
  const trialId = job.trialIds[0]!
  await waitFor('the assignment', () => ctx.node!.assigned.length === 1)
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'running' })).ok)
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'succeeded', metrics: { loss: 1 } })).ok)
  assert.is(await sample(port, 'kiln_coordinator_placements_total'), 1)
  assert.is(await sample(port, 'kiln_coordinator_trials{state="succeeded"}'), 1)
  assert.is(await sample(port, 'kiln_coordinator_nodes{state="live"}'), 1)
  assert.ok(((await sample(port, 'kiln_coordinator_heartbeats_total')) ?? 0) >= 1)
  assert.ok(((await sample(port, 'kiln_coordinator_kv_write_seconds_count{bucket="kiln_trials"}')) ?? 0) >= 3)
  assert.is(await sample(port, 'kiln_coordinator_queue_trials'), 0)
  assert.ok(((await sample(port, 'process_resident_memory_bytes')) ?? 0) > 0, 'process metrics')
  assert.is((await fetch(`http://127.0.0.1:${port}/other`)).status, 404)
})

metrics("a worker shows its slots, its trials and the kernels' thread pool", async (ctx) => {
  const worker = await startWorker({
    nc: ctx.cluster!.ncs[1]!,
    slots: [
      { id: 'cpu0', kind: 'cpu', threads: 1 },
      { id: 'cpu1', kind: 'cpu', threads: 1 },
    ],
    layout: TEST_LAYOUT,
    log: quiet,
    metricsPort: 0,
    kernelThreads: () => 3,
  })
  try {
    const port = worker.metricsPort!
    assert.is(await sample(port, 'kiln_worker_slots{kind="cpu"}'), 2)
    assert.is(await sample(port, 'kiln_worker_slots_busy{kind="cpu"}'), 0)
    assert.is(await sample(port, 'kiln_worker_trials_started_total'), 0)
    assert.is(await sample(port, 'kiln_worker_kernel_threads'), 3)
    assert.ok(((await sample(port, 'nodejs_eventloop_lag_seconds')) ?? -1) >= 0, 'event-loop metrics')
  } finally {
    await worker.stop()
  }
})

metrics.run()
