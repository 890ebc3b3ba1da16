// Scaling inside one gateway: inference threads follow the load between a minimum and a
// maximum (a target of batches per thread, a latency target, a delay before giving threads
// back), and a model version nobody calls is unloaded after its idle TTL and loaded again
// on its next request.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError } from '@kiln/protocol'
import { ThreadScaler, createGateway, scalingOptions } from '@kiln/gateway'
import { waitFor } from '../helpers/wait-for.js'
import { runCli } from '@kiln/cli'
import { blobData, blobModel, install } from './fixtures.js'
import { cliIo, metricValue, post, startGateway } from './harness.js'

const scaling = suite('gateway - scaling')

const request = (i: number) => {
  const { test } = blobData()
  const at = (i % 20) * 4
  return { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Array.from(test.x.subarray(at, at + 4)) }] }
}

scaling('the scaler wants the ongoing batches over its target, at once up and down only after the delay', () => {
  const s = new ThreadScaler(
    scalingOptions({ minThreads: 1, maxThreads: 4, targetPerThread: 1, downscaleDelayMs: 1000 }),
  )
  const load = (runningBatches: number, queuedRows = 0, meanQueueMs = 0) => ({
    runningBatches,
    queuedRows,
    maxBatch: 64,
    meanQueueMs,
  })
  assert.is(s.decide(load(0), 0), 1, 'idle: the minimum')
  assert.is(s.decide(load(1, 65), 10), 3, 'one batch running and two batches of rows waiting')
  assert.is(s.decide(load(9, 1000), 20), 4, 'never above the maximum')
  assert.is(s.decide(load(1), 30), 4, 'lower load: kept until the delay has passed')
  assert.is(s.decide(load(1), 1029), 4)
  assert.is(s.decide(load(1), 1030), 1, 'lower for the whole delay: down to what the load wants')
  assert.is(s.decide(load(1, 0, 50), 1040), 2, 'requests waiting longer than the latency target: one more')
  const half = new ThreadScaler(scalingOptions({ minThreads: 1, maxThreads: 8, targetPerThread: 2 }))
  assert.is(half.decide(load(5), 0), 3, 'two batches per thread')
})

scaling('bad scaling options are refused, naming the field', async () => {
  assert.throws(
    () => scalingOptions({ minThreads: 3, maxThreads: 2 }),
    /scaling\.maxThreads: expected at least minThreads \(3\)/,
  )
  assert.throws(() => scalingOptions({ minThreads: 0, maxThreads: 2 }), /scaling\.minThreads/)
  assert.throws(() => scalingOptions({ minThreads: 1, maxThreads: 2, targetPerThread: 0 }), /scaling\.targetPerThread/)
  try {
    await createGateway({ modelsDir: '/nonexistent', scaling: { minThreads: 2, maxThreads: 1 }, log: () => {} })
    assert.unreachable('a gateway with maxThreads < minThreads')
  } catch (err) {
    assert.instance(err, ValidationError)
  }
})

scaling('under load the gateway adds a thread, and gives it back once the load is gone', async () => {
  const g = await startGateway(
    { blobs: [await blobModel(1)] },
    { scaling: { minThreads: 1, maxThreads: 2, downscaleDelayMs: 500, intervalMs: 50 } },
  )
  try {
    const threads = () => g.gw.pool.liveThreads
    assert.is(threads(), 1, 'the minimum at rest')
    let stop = false
    let answered = 0
    const failures: number[] = []
    const client = async (c: number) => {
      for (let i = c; !stop; i += 32) {
        const res = await post(`${g.url}/v2/models/blobs/infer`, request(i))
        if (res.status === 200) answered++
        else failures.push(res.status)
      }
    }
    const clients = Array.from({ length: 32 }, (_, c) => client(c))
    try {
      await waitFor(
        'a second thread under load',
        async () => threads() === 2 && (await metricValue(g.gw.metrics.inferenceThreadsWanted, {})) === 2,
        60_000,
      )
    } finally {
      stop = true
      await Promise.all(clients)
    }
    assert.equal(failures, [], 'every request answered')
    assert.ok(answered > 0)
    await waitFor(
      'the thread given back',
      async () => threads() === 1 && (await metricValue(g.gw.metrics.inferenceThreadsWanted, {})) === 1,
      60_000,
    )
    assert.is((await post(`${g.url}/v2/models/blobs/infer`, request(0))).status, 200, 'still serving')
  } finally {
    await g.close()
  }
})

scaling('a version idle for its TTL is unloaded and loaded again on its next request', async () => {
  const g = await startGateway({ blobs: [await blobModel(1)] }, { idleModelTtlMs: 300 })
  try {
    const state = () => g.gw.repo.find('blobs', 1).state
    assert.is((await post(`${g.url}/v2/models/blobs/infer`, request(0))).status, 200)
    assert.is(state(), 'ready')
    await waitFor('the idle unload', () => state() === 'available', 30_000)
    assert.is(await metricValue(g.gw.metrics.idleUnloads, {}), 1)
    const again = await post(`${g.url}/v2/models/blobs/infer`, request(1))
    assert.is(again.status, 200, 'loaded again on demand')
    assert.is(again.json.model_version, '1')
    assert.is(state(), 'ready')
  } finally {
    await g.close()
  }
})

scaling('kiln gateway --min-threads, --model-idle-s: scales and unloads; a bad flag is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-scale-'))
  try {
    install(await blobModel(1), join(dir, 'models'), 'blobs', 1)
    const c = cliIo({}, dir)
    const argv = ['gateway', '--models', 'models', '--port', '0', '--threads', '2', '--min-threads', '1']
    const done = runCli([...argv, '--model-idle-s', '1'], c.io)
    const url = await waitFor('the gateway', () => /listening on (\S+)/.exec(c.text())?.[1], 60_000)
    try {
      assert.match(c.text(), /1-2 inference thread\(s\)/)
      assert.is((await post(`${url}/v2/models/blobs/infer`, request(0))).status, 200)
      await waitFor('the idle unload logged', () => c.text().includes('unloaded an idle model version'), 30_000)
    } finally {
      c.interrupt()
      assert.is(await done, 0)
    }
    const bad = cliIo({}, dir)
    assert.is(await runCli(['gateway', '--models', 'models', '--port', '0', '--scale-down-s', '5'], bad.io), 2)
    assert.match(bad.text(), /--scale-down-s: needs --min-threads/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

scaling.run()
