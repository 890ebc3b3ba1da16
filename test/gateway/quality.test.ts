// Model-quality monitoring (issue 14, item 7): an endpoint deployed with --capture keeps its
// requests and responses in KILN_CAPTURE; services post the ground truth later by request
// id; the gateway reports live accuracy per variant and raises an alert when it falls below
// the model's test accuracy by the threshold: fired by wrong ground truth, not by right.
// `kiln capture` reads it all back (table, JSON, NPY).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '@kiln/cli'
import { EndpointsClient, readCapture } from '@kiln/client'
import { parseNpy } from '@kiln/data'
import { GatewaySubjects, QualityAlertSchema, decode, type QualityAlert } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { blobData, blobModel } from './fixtures.js'
import { cliIo, get, metricValue, post, startClusterGateway, waitFor, type ClusterGateway } from './harness.js'

interface Ctx extends ClusterGateway {
  alerts: QualityAlert[]
  testAccuracy: number
}

const CLASSES = ['red', 'green', 'blue']

const quality = suite<Ctx>('gateway - model quality from captured requests and ground truth')
quality.before(
  loud(async (ctx) => {
    const dir = await blobModel(1)
    ctx.testAccuracy = JSON.parse(readFileSync(join(dir, 'kiln-model.json'), 'utf8')).metrics.test.accuracy
    Object.assign(
      ctx,
      await startClusterGateway({ clf: [dir] }, { quality: { window: 60, minSamples: 30, threshold: 0.15 } }),
    )
    ctx.alerts = []
    ctx.nc.subscribe(GatewaySubjects.qualityAlerts, {
      callback: (_e, m) => ctx.alerts.push(decode(QualityAlertSchema, m.data)),
    })
    const client = new EndpointsClient(ctx.nc)
    for (const endpoint of ['right', 'wrong']) await client.deploy('clf', { endpoint, captureRate: 1 })
    await waitFor(() => ctx.gw.endpoints.get('wrong')?.capture?.sampleRate === 1, 'the endpoints')
  }),
)
quality.after(async (ctx) => ctx.close?.())

/** Sends the 60 test samples one per request (ids e-0...); returns their true labels. */
async function serve(url: string, endpoint: string): Promise<number[]> {
  const { test } = blobData()
  const labels: number[] = []
  for (let i = 0; i < test.count; i++) {
    const res = await post(`${url}/v2/models/${endpoint}/infer`, {
      id: `${endpoint}-${i}`,
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Array.from(test.x.subarray(i * 4, i * 4 + 4)) }],
    })
    assert.is(res.status, 200)
    assert.is(res.json.id, `${endpoint}-${i}`)
    labels.push(test.labels[i]!)
  }
  return labels
}

quality('right ground truth: live accuracy near the test accuracy, no alert', async (ctx) => {
  const labels = await serve(ctx.url, 'right')
  // Half as class indices, half as class names.
  const res = await post(`${ctx.url}/v2/models/right/ground_truth`, {
    ground_truth: labels.map((l, i) => ({ id: `right-${i}`, label: i % 2 ? l : CLASSES[l] })),
  })
  assert.equal(res.json, { matched: 60, unknown: 0, wrong_row_count: 0 })
  const q = ctx.gw.quality.list().find((v) => v.name === 'right')!
  assert.ok(Math.abs(q.accuracy - ctx.testAccuracy) <= 0.1, `live ${q.accuracy} vs test ${ctx.testAccuracy}`)
  assert.is(q.degraded, false)
  const labelsOf = { endpoint: 'right', variant: 'clf-v1' }
  assert.is(await metricValue(ctx.gw.metrics.groundTruthRows, labelsOf), 60)
  assert.is(await metricValue(ctx.gw.metrics.qualityAlerts, labelsOf), 0)
  await ctx.nc.flush()
  assert.is(ctx.alerts.length, 0)
})

quality('wrong ground truth: accuracy falls and one alert fires on kiln.alerts.quality', async (ctx) => {
  const labels = await serve(ctx.url, 'wrong')
  const res = await post(`${ctx.url}/v2/models/wrong/ground_truth`, {
    ground_truth: labels.map((l, i) => ({ id: `wrong-${i}`, labels: [(l + 1) % 3] })),
  })
  assert.is(res.json.matched, 60)
  await waitFor(() => ctx.alerts.length > 0, 'the quality alert')
  assert.is(ctx.alerts.length, 1, 'one alert per fall')
  const a = ctx.alerts[0]!
  assert.equal([a.name, a.variant, a.model, a.version], ['wrong', 'clf-v1', 'clf', 1])
  assert.ok(a.accuracy < ctx.testAccuracy - 0.15, `accuracy ${a.accuracy}`)
  assert.is(a.baseline, ctx.testAccuracy)
  const text = (await get(`${ctx.url}/metrics`)).text
  assert.match(text, /kiln_gateway_quality_degraded\{endpoint="wrong",variant="clf-v1"\} 1/)
  assert.match(text, /kiln_gateway_quality_degraded\{endpoint="right",variant="clf-v1"\} 0/)
})

quality('bad ground truth is refused naming the field; unknown ids are counted, not fatal', async ({ url }) => {
  const bad = await post(`${url}/v2/models/right/ground_truth`, { ground_truth: [{ id: 'right-1', label: 'purple' }] })
  assert.is(bad.status, 400)
  assert.match(
    bad.json.error,
    /^ground_truth\[0\]\.label: expected a class index \(an integer >= 0\) or one of red, green, blue/,
  )
  const unknown = await post(`${url}/v2/models/right/ground_truth`, { ground_truth: [{ id: 'never-sent', label: 0 }] })
  assert.equal(unknown.json, { matched: 0, unknown: 1, wrong_row_count: 0 })
})

quality('a captured request without an id gets one in its response', async ({ url }) => {
  const res = await post(`${url}/v2/models/right/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
  })
  assert.match(res.json.id, /^[0-9a-f-]{36}$/)
})

quality('kiln capture reads the exchanges back with their ground truth (table, JSON, NPY)', async (ctx) => {
  await waitFor(async () => (await readCapture(ctx.nc, 'wrong')).filter((r) => r.labels).length === 60, 'the stream')
  const records = await readCapture(ctx.nc, 'wrong')
  assert.is(records.length, 60)
  assert.equal(records[0]!.inputs[0]!.shape, [1, 4])
  assert.is(records[0]!.variant, 'clf-v1')
  const dir = mkdtempSync(join(tmpdir(), 'kiln-capture-'))
  try {
    const table = cliIo({}, dir)
    assert.is(await runCli(['capture', 'wrong', '--nats', ctx.server.url, '--since', '1h'], table.io), 0)
    assert.match(table.text(), /wrong-0 /)
    const json = cliIo({}, dir)
    assert.is(await runCli(['capture', 'wrong', '--nats', ctx.server.url, '--json'], json.io), 0)
    const lines = json
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.is(lines.length, 60)
    assert.is(lines[3].labels.length, 1)
    const npy = cliIo({}, dir)
    assert.is(await runCli(['capture', 'wrong', '--nats', ctx.server.url, '--npy', 'out'], npy.io), 0, npy.text())
    const x = parseNpy(readFileSync(join(dir, 'out', 'inputs.npy')), 'inputs.npy')
    const y = parseNpy(readFileSync(join(dir, 'out', 'labels.npy')), 'labels.npy')
    assert.equal(x.shape, [60, 4])
    assert.equal(y.shape, [60])
    const { test } = blobData()
    assert.equal(Array.from(x.data.subarray(0, 8)), Array.from(test.x.subarray(0, 8)))
    assert.equal(
      Array.from(y.data.subarray(0, 6)),
      Array.from(test.labels.subarray(0, 6)).map((l) => (l + 1) % 3),
    )
    const future = cliIo({}, dir)
    assert.is(await runCli(['capture', 'wrong', '--nats', ctx.server.url, '--since', '2999-01-01'], future.io), 0)
    assert.match(future.text(), /nothing captured for wrong/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

quality.run()
