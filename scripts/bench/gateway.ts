// pnpm bench:gateway [-- --json] [--model DIR] [--seconds S] [--concurrency 1,16,64] [--epochs N]
// Loopback load against the gateway serving the Fashion-MNIST MLP (784-256-128-10, trained
// here for a few epochs unless --model names one): req/s, p50 and p99 latency at each
// concurrency, with dynamic batching on and off in the same run, and the gateway's overhead
// over calling the model in-process. The load generator runs in its own thread (node:http,
// keep-alive), one image per request, binary tensor data extension.
// Profile: node --cpu-prof --cpu-prof-dir=DIR --conditions=kiln-src --import tsx
// scripts/bench/gateway.ts --model DIR --concurrency 64 writes one .cpuprofile per thread
// (main, inference, load generator); --model skips training (a second version for the canary
// run is always trained, one epoch with another seed).
// Serving runs (gateway-serving.ts): a 50/50 canary between the two versions at the highest
// concurrency (req/s, errors), and restart-to-serving: seconds until a fresh gateway has
// loaded 20 registered versions behind 5 endpoints (nats-server from .tools).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { loadFashionMnist } from '@kiln/data'
import { createGateway, serveGateway, type BatchConfig } from '@kiln/gateway'
import { threads } from '@kiln/native'
import { loadModel, parseSpec, trainLocal } from '@kiln/train'
import { report, round, type BenchFlags } from './common.js'
import { canaryRun, restartToServing } from './gateway-serving.js'

const args = (() => {
  const out = { json: false, model: undefined as string | undefined, seconds: 3, concurrency: [1, 16, 64], epochs: 2 }
  const argv = process.argv.slice(2)
  const fail = (m: string): never => {
    process.stderr.write(`error: ${m}\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') continue
    else if (a === '--json') out.json = true
    else if (a === '--model') out.model = argv[++i] ?? fail('--model needs a folder')
    else if (a === '--seconds') {
      out.seconds = Number(argv[++i])
      if (!(out.seconds > 0)) fail('--seconds expects a positive number')
    } else if (a === '--epochs') {
      out.epochs = Number(argv[++i])
      if (!Number.isInteger(out.epochs) || out.epochs < 1) fail('--epochs expects a positive integer')
    } else if (a === '--concurrency') {
      out.concurrency = (argv[++i] ?? '').split(',').map(Number)
      if (!out.concurrency.every((c) => Number.isInteger(c) && c >= 1 && c <= 1024))
        fail('--concurrency expects integers 1-1024 joined by commas')
    } else fail(`unknown flag '${a}'`)
  }
  return out
})()
const flags: BenchFlags = { json: args.json, threads: undefined, shapes: [], seconds: args.seconds, extra: {} }

// The load generator: `concurrency` loops, each sending the next request when its answer is in.
const LOADGEN = `
const { parentPort, workerData } = require('node:worker_threads')
const http = require('node:http')
const { port, path, body, headerLength, concurrency, warmupMs, measureMs } = workerData
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
const payload = Buffer.from(body)
function once() {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: {
      'content-type': 'application/octet-stream', 'content-length': payload.length, 'inference-header-content-length': headerLength } }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + res.statusCode))))
    })
    req.on('error', reject)
    req.end(payload)
  })
}
;(async () => {
  const start = performance.now(), measureFrom = start + warmupMs, end = measureFrom + measureMs
  const lat = []
  let errors = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now()
      try { await once() } catch { errors++ }
      if (t >= measureFrom) lat.push(performance.now() - t)
    }
  }))
  agent.destroy()
  parentPort.postMessage({ lat, errors })
})()
`

function loadgen(data: Record<string, unknown>): Promise<{ lat: number[]; errors: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOADGEN, { eval: true, workerData: data })
    w.once('message', resolve)
    w.once('error', reject)
  })
}

/** Batches and rows so far of a prom-client histogram with these labels. */
async function batches(
  metric: { get(): Promise<{ values: { labels: object; value: number; metricName?: string }[] }> },
  mv: Record<string, string>,
): Promise<{ batches: number; rows: number }> {
  const values = (await metric.get()).values.filter((v) =>
    Object.entries(mv).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
  )
  const of = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0
  return { batches: of('_count'), rows: of('_sum') }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-bench-gateway-'))
  try {
    let modelDir = args.model
    if (!modelDir) {
      modelDir = join(tmp, 'fashion')
      const spec = parseSpec(
        `name: fashion-mlp\ndataset: fashion-mnist\nmodel: { builtin: mlp, hidden: [256, 128] }\ntraining: { epochs: ${args.epochs}, batchSize: 128, seed: 42 }\n`,
      )
      await trainLocal(spec, { outDir: modelDir, log: () => {} })
    }
    const { test } = await loadFashionMnist()
    const image = test.x.slice(0, 784)

    // In-process: the same model, one image per predict() call, on the main thread.
    const { model } = await loadModel(modelDir)
    const x = tf.tensor(image, [1, 28, 28, 1])
    const call = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync())
    for (let i = 0; i < 200; i++) call()
    const n = 2000
    const t0 = performance.now()
    for (let i = 0; i < n; i++) call()
    const inProcessMs = (performance.now() - t0) / n
    report(flags, {
      bench: 'gateway',
      mode: 'in-process',
      batch: 1,
      ms_per_call: round(inProcessMs, 4),
      calls_per_s: round(1000 / inProcessMs, 0),
      threads: threads(),
    })
    x.dispose()
    model.dispose()

    const root = join(tmp, 'models')
    const { cpSync } = await import('node:fs')
    cpSync(modelDir, join(root, 'fashion', '1'), { recursive: true })
    const header = JSON.stringify({
      inputs: [{ name: '', datatype: 'FP32', shape: [1, 28, 28, 1], parameters: { binary_data_size: 784 * 4 } }],
    })
    const results: Record<string, Record<number, number>> = { on: {}, off: {} }
    const c1: Record<string, number> = {}
    for (const [mode, batching] of [
      ['on', { maxBatch: 64, maxDelayUs: 0 }],
      ['off', { maxBatch: 1, maxDelayUs: 0 }],
    ] as [string, Partial<BatchConfig>][]) {
      const gw = await createGateway({ modelsDir: root, batching, log: () => {} })
      const http = await serveGateway(gw, 0)
      const meta = (await (await fetch(`${http.url}/v2/models/fashion`)).json()) as { inputs: { name: string }[] }
      const json = new TextEncoder().encode(
        header.replace('"name":""', `"name":${JSON.stringify(meta.inputs[0]!.name)}`),
      )
      const body = new Uint8Array(json.byteLength + image.byteLength)
      body.set(json)
      body.set(new Uint8Array(image.buffer, image.byteOffset, image.byteLength), json.byteLength)
      for (const concurrency of args.concurrency) {
        const mv = { model: 'fashion', version: '1' }
        const before = await batches(gw.metrics.batchSize, mv)
        const { lat, errors } = await loadgen({
          port: http.port,
          path: '/v2/models/fashion/infer',
          body,
          headerLength: String(json.byteLength),
          concurrency,
          warmupMs: 500,
          measureMs: args.seconds * 1000,
        })
        const after = await batches(gw.metrics.batchSize, mv)
        const batchCount = after.batches - before.batches
        const rows = after.rows - before.rows
        lat.sort((a, b) => a - b)
        const rps = lat.length / args.seconds
        results[mode]![concurrency] = rps
        if (concurrency === 1) c1[mode] = pct(lat, 0.5)
        report(flags, {
          bench: 'gateway',
          mode: `batching-${mode}`,
          concurrency,
          req_per_s: round(rps, 0),
          p50_ms: round(pct(lat, 0.5), 3),
          p99_ms: round(pct(lat, 0.99), 3),
          mean_batch: round(batchCount > 0 ? rows / batchCount : 0, 1),
          errors,
          inference_threads: gw.pool.threads,
          native_threads: gw.pool.nativeThreads,
        })
      }
      await http.close()
      await gw.close()
    }
    for (const c of args.concurrency) {
      report(flags, {
        bench: 'gateway',
        mode: 'batching-speedup',
        concurrency: c,
        on_vs_off: round(results.on![c]! / results.off![c]!, 2),
      })
    }
    // A second version trained separately: TF.js names its layers differently, Kiln does not.
    const second = join(tmp, 'fashion-2')
    await trainLocal(
      parseSpec(
        'name: fashion-mlp\ndataset: fashion-mnist\nmodel: { builtin: mlp, hidden: [256, 128] }\ntraining: { epochs: 1, batchSize: 128, seed: 43 }\n',
      ),
      { outDir: second, log: () => {} },
    )
    const bodyFor = (name: string) => {
      const json = new TextEncoder().encode(header.replace('"name":""', `"name":${JSON.stringify(name)}`))
      const body = new Uint8Array(json.byteLength + image.byteLength)
      body.set(json)
      body.set(new Uint8Array(image.buffer, image.byteOffset, image.byteLength), json.byteLength)
      return { body, headerLength: String(json.byteLength) }
    }
    const top = Math.max(...args.concurrency)
    const canary = await canaryRun(
      [modelDir, second],
      join(tmp, 'canary-models'),
      bodyFor,
      (o) => loadgen({ ...o, warmupMs: 500, measureMs: args.seconds * 1000 }),
      top,
    )
    canary.lat.sort((a, b) => a - b)
    report(flags, {
      bench: 'gateway',
      mode: 'canary-50-50',
      concurrency: top,
      req_per_s: round(canary.reqPerS(args.seconds), 0),
      p99_ms: round(pct(canary.lat, 0.99), 3),
      errors: canary.errors,
    })
    report(flags, {
      bench: 'gateway',
      mode: 'restart-to-serving',
      versions: 20,
      endpoints: 5,
      seconds: round(await restartToServing([modelDir, second], join(tmp, 'restart')), 2),
    })
    if (c1.on !== undefined)
      report(flags, {
        bench: 'gateway',
        mode: 'overhead',
        p50_ms_at_c1: round(c1.off!, 3),
        in_process_ms: round(inProcessMs, 4),
        overhead_ms: round(c1.off! - inProcessMs, 3),
      })
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

await main()
