// Dynamic batching: concurrent requests merge into one batch, limits hold, and a queue that
// is full or a request that waits too long fail the right way.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Batcher, OverloadedError, batchConfig } from '@kiln/gateway'
import { TimeoutError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { blobModel } from './fixtures.js'
import { get, metricValue, post, startGateway, type Running } from './harness.js'

type T = { shape: number[]; data: Float32Array }
const row = (v: number, rows = 1): T[] => [{ shape: [rows, 2], data: new Float32Array(rows * 2).fill(v) }]

/** A fake model: doubles its input; records each batch; `gate` holds batches until released. */
function fakeRun() {
  const batches: number[] = []
  let release: (() => void) | undefined
  let gate: Promise<void> | undefined
  return {
    batches,
    hold() {
      gate = new Promise((ok) => {
        release = ok
      })
    },
    open() {
      release?.()
      gate = undefined
    },
    run: async (inputs: T[]) => {
      batches.push(inputs[0]!.shape[0]!)
      if (gate) await gate
      return { outputs: [{ shape: inputs[0]!.shape, data: inputs[0]!.data.map((x) => x * 2) }], computeMs: 0 }
    },
  }
}

const unit = suite('gateway - batcher')

unit(
  'requests that arrive while a batch runs leave together as the next batch, each getting its own rows',
  async () => {
    const f = fakeRun()
    const b = new Batcher(batchConfig({ maxBatch: 64, maxDelayUs: 0 }), f.run)
    f.hold()
    const first = b.submit(row(1))
    const rest = Array.from({ length: 10 }, (_, i) => b.submit(row(i + 10, (i % 3) + 1)))
    assert.is(b.busy, 11)
    f.open()
    const [a, ...others] = await Promise.all([first, ...rest])
    assert.equal(f.batches, [1, 19])
    assert.equal(Array.from(a![0]!.data), [2, 2])
    others.forEach((o, i) => {
      const rows = (i % 3) + 1
      assert.equal(o[0]!.shape, [rows, 2])
      assert.ok(
        o[0]!.data.every((x) => x === (i + 10) * 2),
        `request ${i} got its own rows back`,
      )
    })
  },
)

unit('maxBatch caps a batch, a request bigger than it goes alone, and maxDelayUs waits for company', async () => {
  const f = fakeRun()
  const b = new Batcher(batchConfig({ maxBatch: 4, maxDelayUs: 50_000 }), f.run)
  const started = performance.now()
  await Promise.all([b.submit(row(1, 3)), b.submit(row(2, 3)), b.submit(row(3, 6))])
  assert.equal(f.batches, [3, 3, 6])
  const f2 = fakeRun()
  const b2 = new Batcher(batchConfig({ maxBatch: 8, maxDelayUs: 20_000 }), f2.run)
  const t0 = performance.now()
  await Promise.all([b2.submit(row(1)), b2.submit(row(2))])
  assert.equal(f2.batches, [2], 'two requests within the delay make one batch')
  assert.ok(performance.now() - t0 >= 19, 'the batch waited for the delay')
  assert.ok(performance.now() - started < 5000)
})

unit('a preferred size goes out without waiting for the delay', async () => {
  const f = fakeRun()
  const b = new Batcher(batchConfig({ maxBatch: 64, maxDelayUs: 10_000_000, preferredSizes: [4] }), f.run)
  await Promise.all([b.submit(row(1, 2)), b.submit(row(2, 2))])
  assert.equal(f.batches, [4])
})

unit('a full queue answers 503 with Retry-After, a request waiting too long times out', async () => {
  const f = fakeRun()
  const b = new Batcher(batchConfig({ maxBatch: 1, maxDelayUs: 0, queueLimit: 2, timeoutMs: 100 }), f.run)
  f.hold()
  const running = b.submit(row(1)).then(
    () => undefined,
    (err: unknown) => err,
  )
  const queued = [b.submit(row(2)), b.submit(row(3))].map((q) =>
    q.then(
      () => undefined,
      (err: unknown) => err,
    ),
  )
  const full = (await rejects(() => b.submit(row(4)), OverloadedError)) as OverloadedError
  assert.is(full.retryAfterS, 1)
  for (const err of await Promise.all(queued)) assert.instance(err, TimeoutError)
  f.open()
  assert.instance(await running, TimeoutError, 'a request still running at its deadline fails too')
  b.close()
  await rejects(() => b.submit(row(5)), OverloadedError)
})

unit('deadlines after answered requests still expire (one sweep timer serves every request)', async () => {
  const f = fakeRun()
  const b = new Batcher(batchConfig({ maxBatch: 1, maxDelayUs: 0, timeoutMs: 80 }), f.run)
  for (let i = 0; i < 300; i++) assert.equal(Array.from((await b.submit(row(i)))[0]!.data), [2 * i, 2 * i])
  f.hold()
  const started = performance.now()
  const late = await b.submit(row(1)).then(
    () => undefined,
    (err: unknown) => err,
  )
  assert.instance(late, TimeoutError)
  const waited = performance.now() - started
  assert.ok(waited >= 75, `timed out after ${waited.toFixed(0)} ms, not before its 80 ms deadline`)
  f.open()
  b.close()
})

unit.run()

const http = suite<{ g: Running; input: string }>('gateway - batching over HTTP')
http.before(
  loud(async (ctx) => {
    ctx.g = await startGateway({ blobs: [await blobModel(1)] }, { batching: { maxBatch: 32, maxDelayUs: 2000 } })
    ctx.input = (await get(`${ctx.g.url}/v2/models/blobs`)).json.inputs[0].name
  }),
)
http.after(async (ctx) => {
  await ctx.g?.close()
})

http('48 concurrent requests are answered correctly in fewer, larger batches', async ({ g, input }) => {
  const one = async (i: number) =>
    post(`${g.url}/v2/models/blobs/infer`, {
      inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [i, -i, i / 2, 1] }],
    })
  const solo = await Promise.all([0, 1, 2].map(one))
  const results = await Promise.all(Array.from({ length: 48 }, (_, i) => one(i % 3)))
  results.forEach((r, i) => {
    assert.equal(r.json.outputs[0].data, solo[i % 3]!.json.outputs[0].data, `request ${i} got its own answer`)
  })
  const h = g.gw.metrics.batchSize
  const batches = await metricValue(h, { model: 'blobs', version: '1' }, 'count')
  assert.ok(batches < 51 / 2, `51 requests in ${batches} batches`)
  const text = await (await fetch(`${g.url}/metrics`)).text()
  const sum = Number(/kiln_gateway_batch_size_sum\{model="blobs",version="1"\} (\d+)/.exec(text)?.[1])
  assert.is(sum, 51, 'every row went through exactly one batch')
})

http.run()
