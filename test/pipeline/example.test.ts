// examples/pipelines/fashion-retrain.yaml end to end on a shortened budget (issue 18): a real
// nats-server with an in-process coordinator, worker and gateway; `kiln pipeline run` with
// parameters that shrink the sweep imports Fashion-MNIST, checks it, tunes with ASHA,
// evaluates, gates, registers, deploys behind the endpoint and promotes. A second run reuses
// every step but the gate (whose champion is now the first run's model); a drift alert from
// the endpoint runs it again.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { EndpointsClient, PipelinesClient } from '@kiln/client'
import { ensureLayout, readRegistryRecord, type Layout } from '@kiln/cluster-state'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { FASHION_MNIST_DIR } from '@kiln/data'
import { createGateway, serveGateway, type Gateway } from '@kiln/gateway'
import { DriftAlertSchema, GatewaySubjects, encode } from '@kiln/protocol'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { kilnInProcess } from '../helpers/cli-in-process.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

const repo = join(fileURLToPath(import.meta.url), '..', '..', '..')
type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  worker?: WorkerAgent
  layout?: Layout
  gw?: { gw: Gateway; url: string; close(): Promise<void> }
}
const example = suite<Ctx>('pipeline - the fashion-retrain example')
const SHORT = ['--param', 'limit=600', '--param', 'trials=2', '--param', 'maxT=1', '--param', 'minAccuracy=0.3']

example.before(
  loud(async (ctx) => {
    if (!existsSync(FASHION_MNIST_DIR)) return
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2, 3].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[3]!)
    const gw = await createGateway({ nc: ctx.ncs[2]!, threads: 1, log: () => {} })
    const http = await serveGateway(gw, 0)
    ctx.gw = { gw, url: http.url, close: async () => (await http.close(), await gw.close()) }
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, log: () => {}, pipelinePollMs: 100, gatewayUrl: http.url })
    await ctx.coord.leading()
    ctx.worker = await startWorker({
      nc: ctx.ncs[1]!,
      slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
      log: () => {},
      name: 'w',
    })
  }),
)
example.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await ctx.coord?.stop()
    await ctx.gw?.close()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

example('the example runs end to end, a second run is cached, and a drift alert runs it again', async (ctx) => {
  if (!ctx.server) {
    console.log(`  skipped: ${FASHION_MNIST_DIR} is missing (Debian package dataset-fashion-mnist)`)
    return
  }
  const path = 'examples/pipelines/fashion-retrain.yaml'
  const first = await kilnInProcess(['pipeline', 'run', path, ...SHORT], repo, ctx.server.url)
  assert.is(first.code, 0, first.stdout + first.stderr)
  assert.match(first.stdout, /\nrun-[0-9a-f]{12} fashion-retrain: succeeded, 8 steps, /)
  const client = new PipelinesClient(ctx.ncs![3]!)
  const [run] = await client.list({ pipeline: 'fashion-retrain' })
  const steps = Object.fromEntries(run!.steps.map((s) => [s.name, s]))
  const model = steps.tune!.outputs!.model as { name: string; version: number }
  assert.is(model.name, 'fashion-retrain')
  assert.is(steps.canary!.outputs!.outcome, 'deployed', 'the first run finds no endpoint: it deploys')
  const [endpoint] = await new EndpointsClient(ctx.ncs![3]!).list('fashion')
  assert.equal(
    endpoint!.variants.map((v) => [v.model, v.version]),
    [[model.name, model.version]],
  )
  const registry = await readRegistryRecord(ctx.layout!, 'fashion-retrain')
  assert.is(registry.aliases.champion, model.version)
  assert.is(registry.aliases.candidate, model.version)

  const second = await kilnInProcess(['pipeline', 'run', path, ...SHORT], repo, ctx.server.url)
  assert.is(second.code, 0, second.stdout + second.stderr)
  // Every step's inputs are unchanged but the gate's: the champion it compares with is now
  // the first run's model, so it checks again (and passes); everything else is reused.
  assert.match(second.stdout, /fashion-retrain: succeeded, 8 steps \(7 cached\)/)
  const again = (await client.list({ pipeline: 'fashion-retrain' }))[0]!
  assert.equal(
    again.steps.filter((s) => !s.cached).map((s) => s.name),
    ['gate'],
  )
  assert.equal(again.steps.find((s) => s.name === 'canary')!.outputs, steps.canary!.outputs)

  const alert = {
    v: 1 as const,
    model: model.name,
    version: model.version,
    featurePsi: 0.35,
    threshold: 0.2,
    worst: [],
    window: 500,
    at: Date.now(),
  }
  ctx.ncs![3]!.publish(GatewaySubjects.driftAlerts, encode(DriftAlertSchema, alert))
  const byDrift = await waitFor(
    'a drift-triggered run to end',
    async () =>
      (await client.list({ pipeline: 'fashion-retrain' })).find(
        (r) => r.trigger.kind === 'drift' && r.state !== 'running',
      ),
    120_000,
    200,
  )
  assert.is(byDrift.state, 'succeeded', byDrift.endReason)
  assert.match(
    byDrift.trigger.detail!,
    /^drift alert on endpoint fashion \(fashion-retrain@\d+, mean feature PSI 0\.350\)$/,
  )
})

example.run()
