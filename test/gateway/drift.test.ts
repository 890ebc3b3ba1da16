// Model Monitor: serving traffic like the test set raises nothing; inverted images (a real
// shift in every pixel) raise a drift alert on kiln.alerts.drift and in /metrics.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { createGateway, psi, serveGateway, type Gateway } from '@kiln/gateway'
import { DriftAlertSchema, GatewaySubjects, decode, type DriftAlert } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { fashionData, fashionModel } from './fixtures.js'
import { get, metricValue, post, waitFor } from './harness.js'

const unit = suite('gateway - psi')
unit('PSI is 0 for equal distributions, grows with the shift, and survives empty bins', () => {
  assert.is(psi([10, 20, 30], [1, 2, 3]), 0)
  const small = psi([50, 50], [55, 45])
  const big = psi([50, 50], [90, 10])
  assert.ok(small > 0 && small < 0.05, `small shift ${small}`)
  assert.ok(big > 0.5, `big shift ${big}`)
  assert.ok(Number.isFinite(psi([100, 0], [0, 100])))
  assert.throws(() => psi([1, 2], [1]), /2 bins vs 1/)
})
unit.run()

interface Ctx {
  server: NatsServer
  nc: NatsConnection
  gw: Gateway
  url: string
  close: () => Promise<void>
  alerts: DriftAlert[]
  input: string
  x: Float32Array
}

const WINDOW = 500
const drift = suite<Ctx>('gateway - drift monitor')
drift.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    const dir = await fashionModel()
    const files = new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
    await publishModelVersion(await ensureLayout(ctx.nc), { model: 'fashion', files })
    ctx.alerts = []
    ctx.nc.subscribe(GatewaySubjects.driftAlerts, {
      callback: (_e, m) => ctx.alerts.push(decode(DriftAlertSchema, m.data)),
    })
    ctx.gw = await createGateway({ nc: ctx.nc, threads: 1, monitor: { window: WINDOW }, log: () => {} })
    const http = await serveGateway(ctx.gw, 0)
    ctx.url = http.url
    ctx.close = async () => {
      await http.close()
      await ctx.gw.close()
    }
    ctx.input = (await get(`${http.url}/v2/models/fashion`)).json.inputs[0].name
    ctx.x = (await fashionData()).test.x
  }),
)
drift.after(async (ctx) => {
  await ctx.close?.()
  await ctx.nc?.close()
  await ctx.server?.stop()
})

async function send(ctx: Ctx, from: number, transform: (v: number) => number): Promise<void> {
  const rows = 50
  for (let start = from; start < from + WINDOW; start += rows) {
    const data = Array.from(ctx.x.subarray(start * 784, (start + rows) * 784), transform)
    const res = await post(`${ctx.url}/v2/models/fashion/infer`, {
      inputs: [{ name: ctx.input, datatype: 'FP32', shape: [rows, 28, 28, 1], data }],
    })
    assert.is(res.status, 200)
  }
}

drift('test-set traffic stays under the threshold and raises no alert', async (ctx) => {
  await send(ctx, 0, (v) => v)
  const r = ctx.gw.drift('fashion', 1)
  assert.ok(r, 'a full window was scored')
  assert.is(r!.window, WINDOW)
  assert.ok(!r!.drifted, `feature PSI ${r!.featurePsi.toFixed(3)}, prediction PSI ${r!.predictionPsi?.toFixed(3)}`)
  assert.ok(r!.featurePsi < r!.threshold / 2, `feature PSI ${r!.featurePsi}`)
  assert.is(ctx.alerts.length, 0)
  assert.is(await metricValue(ctx.gw.metrics.drifted, { model: 'fashion', version: '1' }), 0)
})

drift('inverted images raise an alert on kiln.alerts.drift and in /metrics', async (ctx) => {
  await send(ctx, WINDOW, (v) => 1 - v)
  const r = ctx.gw.drift('fashion', 1)!
  assert.ok(r.drifted, `feature PSI ${r.featurePsi}`)
  assert.ok(r.featurePsi > 1, `feature PSI ${r.featurePsi}`)
  await waitFor(() => ctx.alerts.length > 0, 'the drift alert')
  const alert = ctx.alerts[0]!
  assert.is(alert.model, 'fashion')
  assert.is(alert.version, 1)
  assert.is(alert.window, WINDOW)
  assert.ok(alert.worst.length > 0 && alert.worst[0]!.psi >= alert.featurePsi)
  const text = await (await fetch(`${ctx.url}/metrics`)).text()
  assert.match(text, /kiln_gateway_drift_detected\{model="fashion",version="1"\} 1\n/)
  assert.match(text, /kiln_gateway_drift_alerts_total\{model="fashion",version="1"\} 1\n/)
  assert.match(text, /kiln_gateway_drift_feature_psi\{model="fashion",version="1"\} \d/)
})

drift.run()
