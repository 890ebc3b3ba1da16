// The gateway's host restarted (powered off, then on): its endpoints live in the cluster
// (kiln_endpoints, R3), not on the host, so the restarted gateway serves every endpoint
// again at the revision it had, with the same variants and traffic shares, and answers
// predictions. What the user sees: the same `kiln endpoint list`, predictions answered.
// Lost: nothing.
import * as assert from 'uvu/assert'
import { waitFor } from '../helpers/wait-for.js'
import { bedSuite } from './bed/bed-suite.js'
import { kilnJson, laptopDataset, laptopSpec, launchSweep } from './bed/workload.js'

const { suite: gw, test } = bedSuite("multihost - the gateway's host restarted", { coordinators: 1, workers: 1 })

interface Endpoint {
  name: string
  revision: number
  variants: Array<{ name: string; weight: number }>
}

const FEATURES = 16

/** One prediction through the gateway host's HTTP port, as an application would send it. */
async function infer(base: string, endpoint: string, input: string, i: number): Promise<number> {
  const data = Array.from({ length: FEATURES }, (_, f) => Math.sin(i + f))
  const res = await fetch(`${base}/v2/models/${endpoint}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: input, datatype: 'FP32', shape: [1, FEATURES], data }] }),
    signal: AbortSignal.timeout(30_000),
  })
  await res.arrayBuffer()
  return res.status
}

const shape = (e: Endpoint) => ({
  revision: e.revision,
  variants: e.variants.map((v) => `${v.name}=${v.weight}`).sort(),
})

test('endpoints serve again with their revisions and variants', async (ctx) => {
  const bed = ctx.bed!
  // A registered model: the best of a one-trial sweep launched from the laptop.
  const spec = laptopSpec(bed, 'gw-model', laptopDataset(bed, 1500, FEATURES), {
    search: { algorithm: 'random', maxTrials: 1, space: { 'optimizer.learningRate': { choice: [0.01] } } },
  })
  const sweep = await ctx.view!.sweepEnded((await launchSweep(bed, spec)).id, 400_000)
  assert.is(sweep.state, 'succeeded', sweep.endReason)
  const model = `${sweep.model!.name}@${sweep.model!.version}`

  // Two revisions: the deploy, then a canary variant beside it.
  await kilnJson(bed, ['deploy', model, '--endpoint', 'shop'])
  await kilnJson(bed, ['deploy', model, '--endpoint', 'shop', '--variant', 'canary', '--weight', '1'])
  const before = (await kilnJson<{ endpoint: Endpoint }>(bed, ['endpoint', 'list', 'shop'])).endpoint
  assert.is(before.revision, 2)

  const host = bed.services('gateway')[0]!.host
  const base = `http://${host.address}:8080`
  const meta = (await (await fetch(`${base}/v2/models/shop`)).json()) as { inputs: Array<{ name: string }> }
  const input = meta.inputs[0]!.name
  await waitFor('the gateway to serve shop', async () => (await infer(base, 'shop', input, 0)) === 200, 240_000, 500)

  assert.ok(bed.powerOff(host.name) >= 1, 'the gateway host had processes to lose')
  bed.powerOn(host.name)
  await bed.services('gateway')[0]!.ready(240_000)
  // Ready is the gateway's health; an endpoint serves once its versions are loaded again.
  await waitFor(
    'shop to serve after the restart',
    async () => (await infer(base, 'shop', input, 1)) === 200,
    240_000,
    500,
  )
  const statuses: number[] = []
  for (let i = 0; i < 20; i++) statuses.push(await infer(base, 'shop', input, i))
  assert.equal(
    statuses.filter((s) => s !== 200),
    [],
    'every prediction after the restart answered',
  )
  const after = (await kilnJson<{ endpoint: Endpoint }>(bed, ['endpoint', 'list', 'shop'])).endpoint
  assert.equal(shape(after), shape(before), 'the same revision and variants')
})

gw.run()
