// Data-parallel training is the same training: N ranks with per-rank batch B end with the
// weights one rank reaches with batch N*B from the same initial weights (SGD, no dropout),
// within 1e-5 relative; and every rank holds the same bits. The ranks run in threads with
// their own NATS connections and start from different seeds (rank 0's weights are broadcast).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { tsWorker } from '../helpers/ts-worker.js'
import type { RankJob, RankWeights } from './dp-rank.js'

type Ctx = { server?: NatsServer }
const eq = suite<Ctx>('dp - N ranks of batch B equal one rank of batch N*B')
const entry = new URL('./dp-rank.ts', import.meta.url)

eq.before(
  loud(async (ctx) => {
    ctx.server = await startNats({ jetstream: false })
  }),
)
eq.after(
  loud(async (ctx) => {
    await ctx.server?.stop()
  }),
)

function runRank(job: RankJob): Promise<RankWeights> {
  return new Promise((ok, fail) => {
    const w = tsWorker(entry, job)
    w.once('message', ok)
    w.once('error', fail)
    w.once('exit', (code) => {
      if (code !== 0) fail(new Error(`rank ${job.rank} exited with ${code}`))
    })
  })
}

// Largest |a - b| over largest |b|, per tensor.
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(b[i]!))
  }
  return diff / scale
}

const B = 8
const K = 12
// Compiled steps (backward on a worker thread, buckets all-reduced as it goes) and the
// per-kernel path (tfjs computes the gradients, applyGradients starts the buckets).
for (const [n, bucketBytes, perKernel] of [
  [2, undefined, false],
  [3, 600, false],
  [2, 600, true],
] as const) {
  eq(
    `${n} ranks${bucketBytes ? `, ${bucketBytes}-byte buckets` : ''}${perKernel ? ', kernel by kernel' : ', compiled'}: weights after ${K} steps match within 1e-5`,
    async ({ server }) => {
      const trialId = `eq-${n}-${perKernel}`
      const common = { trialId, ranks: n, perRank: B, steps: K, perKernel, ...(bucketBytes ? { bucketBytes } : {}) }
      const [reference, ...ranks] = await Promise.all([
        runRank({ ...common, rank: 0, worldSize: 1, perRank: n * B, initSeed: 1000 }),
        ...Array.from({ length: n }, (_, rank) =>
          runRank({ ...common, url: server!.url, rank, worldSize: n, initSeed: 1000 + 17 * rank }),
        ),
      ])
      assert.is(ranks[0]!.final.length, reference!.final.length)
      for (const [k, r] of ranks.entries()) {
        if (perKernel) assert.ok(r.perKernel !== '', `rank ${k} ran kernel by kernel`)
        else assert.is(r.perKernel, '', `rank ${k} ran compiled steps`)
        // Several buckets: all but the last start while backward computes the earlier layers.
        if (bucketBytes && !perKernel) assert.ok(r.overlappedBuckets > 0, `rank ${k}: buckets started under backward`)
        else assert.is(r.overlappedBuckets, 0)
      }
      let worst = 0
      for (const [k, { final }] of ranks.entries()) {
        final.forEach((w, i) => {
          const err = relativeError(w, reference!.final[i]!)
          worst = Math.max(worst, err)
          assert.ok(err <= 1e-5, `rank ${k} weight ${i}: relative error ${err}`)
          assert.equal([...w], [...ranks[0]!.final[i]!], `rank ${k} weight ${i} equals rank 0's`)
        })
      }
      // Not trivially equal: training moved the weights, and the other ranks started elsewhere.
      assert.ok(relativeError(reference!.initial[0]!, reference!.final[0]!) > 1e-3, 'training changed the weights')
      assert.ok(relativeError(ranks[1]!.initial[0]!, ranks[0]!.initial[0]!) > 0.1, 'rank 1 started from other weights')
      if (process.env.KILN_TEST_LOG) console.log(`worst relative error with ${n} ranks: ${worst}`)
    },
  )
}

eq('fp16 compression stays close to the float32 result', async ({ server }) => {
  const n = 2
  const common = { trialId: 'eq-fp16', ranks: n, perRank: B, steps: K }
  const [reference, ...ranks] = await Promise.all([
    runRank({ ...common, rank: 0, worldSize: 1, perRank: n * B, initSeed: 7 }),
    ...Array.from({ length: n }, (_, rank) =>
      runRank({ ...common, url: server!.url, rank, worldSize: n, initSeed: 7, compression: 'fp16' }),
    ),
  ])
  ranks[0]!.final.forEach((w, i) => {
    const err = relativeError(w, reference!.final[i]!)
    assert.ok(err < 1e-2, `weight ${i}: relative error ${err}`)
    assert.equal([...w], [...ranks[1]!.final[i]!], 'ranks agree to the bit')
  })
})

// Mean over the ranks of each step's loss (each on its own equal-size rows): the loss of
// the global batch, as the reference computes it.
function meanLosses(ranks: RankWeights[]): number[] {
  return ranks[0]!.losses.map((_, k) => ranks.reduce((s, r) => s + r.losses[k]!, 0) / ranks.length)
}

eq('fp16 with error feedback converges like float32: loss within 0.1% of it after 40 steps', async ({ server }) => {
  const n = 2
  const steps = 40
  const common = { trialId: 'eq-fp16-ef', ranks: n, perRank: B, steps }
  const [reference, ...ranks] = await Promise.all([
    runRank({ ...common, rank: 0, worldSize: 1, perRank: n * B, initSeed: 3 }),
    ...Array.from({ length: n }, (_, rank) =>
      runRank({
        ...common,
        url: server!.url,
        rank,
        worldSize: n,
        initSeed: 3,
        compression: 'fp16',
        errorFeedback: true,
      }),
    ),
  ])
  const f32 = reference!.losses
  const ef = meanLosses(ranks)
  assert.is(ef.length, steps)
  // Training converges: the loss fell (random labels: a few per cent in 40 steps).
  assert.ok(f32[steps - 1]! < 0.97 * f32[0]!, `float32 loss ${f32[0]} -> ${f32[steps - 1]}`)
  const gap = Math.abs(ef[steps - 1]! - f32[steps - 1]!) / f32[steps - 1]!
  assert.ok(gap <= 1e-3, `fp16 + error feedback loss ${ef[steps - 1]} vs float32 ${f32[steps - 1]}: ${gap}`)
  for (const [i, w] of ranks[0]!.final.entries())
    assert.equal([...w], [...ranks[1]!.final[i]!], 'ranks agree to the bit')
  if (process.env.KILN_TEST_LOG) console.log(`fp16 + error feedback: final loss gap ${gap}`)
})

eq.run()
