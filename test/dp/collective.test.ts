// Ring collectives over a real nats-server: all-reduce (sum, average, 16-bit wire types,
// many chunks, several in flight), broadcast, barrier, and the failures: a silent rank
// times the step out, ranks that disagree on sizes, a stopped trial, a stale attempt.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from '@nats-io/transport-node'
import { WireType } from '@kiln/native'
import { CollectiveError, RingCommunicator } from '@kiln/train'
import { ErrorCode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { randomInts, randomFloats } from '../helpers/random.js'
import { rejects } from '../helpers/rejects.js'
import { openRing } from './ring.js'

type Ctx = { server?: NatsServer }
const ring = suite<Ctx>('dp - ring collectives')
let trial = 0
const nextTrial = () => `t-${++trial}`

ring.before(
  loud(async (ctx) => {
    ctx.server = await startNats({ jetstream: false })
  }),
)
ring.after(
  loud(async (ctx) => {
    await ctx.server?.stop()
  }),
)

// Small integers: every partial sum is exact in float32, whatever order the ring adds in.
function inputs(n: number, size: number): Float32Array[] {
  return Array.from({ length: n }, (_, r) => Float32Array.from(randomInts(size, 100 + r, -50, 50)))
}

function sum(bufs: Float32Array[]): Float32Array {
  const out = new Float32Array(bufs[0]!.length)
  for (const b of bufs) for (let i = 0; i < b.length; i++) out[i]! += b[i]
  return out
}

for (const n of [2, 3, 4]) {
  ring(
    `all-reduce of ${n} ranks sums exactly, in many chunks, including sizes below the rank count`,
    async ({ server }) => {
      const r = await openRing(server!.url, nextTrial(), n, { chunkBytes: 1000 })
      try {
        for (const size of [1, n - 1, 7, 1000, 12_345]) {
          const bufs = inputs(n, size)
          const want = sum(bufs)
          await Promise.all(r.ranks.map((c, k) => c.allReduce(bufs[k]!, { average: false })))
          for (let k = 0; k < n; k++) assert.equal([...bufs[k]!], [...want], `rank ${k}, size ${size}`)
        }
      } finally {
        await r.close()
      }
    },
  )
}

ring('all-reduce averages, and several operations may be in flight at once', async ({ server }) => {
  const n = 3
  const r = await openRing(server!.url, nextTrial(), n, { chunkBytes: 4096 })
  try {
    const buckets = [5000, 1, 20_000].map((size) => inputs(n, size))
    const wants = buckets.map((b) => sum(b).map((v) => Math.fround(v * Math.fround(1 / n))))
    await Promise.all(r.ranks.flatMap((c, k) => buckets.map((b) => c.allReduce(b[k]!))))
    buckets.forEach((b, i) => {
      b.forEach((buf, k) => {
        assert.equal([...buf], [...wants[i]!], `bucket ${i} rank ${k}`)
      })
    })
  } finally {
    await r.close()
  }
})

for (const [name, wire, tol] of [
  ['float16', WireType.float16, 1e-3],
  ['bfloat16', WireType.bfloat16, 8e-3],
] as const) {
  ring(`a ${name} wire gives every rank the same bits, close to the float32 sum`, async ({ server }) => {
    const n = 3
    const r = await openRing(server!.url, nextTrial(), n, { chunkBytes: 2048 })
    try {
      const bufs = Array.from({ length: n }, (_, k) => randomFloats(3001, 7 + k, -1, 1))
      const exact = sum(bufs)
      await Promise.all(r.ranks.map((c, k) => c.allReduce(bufs[k]!, { average: false, wire })))
      for (let k = 1; k < n; k++) assert.equal([...bufs[k]!], [...bufs[0]!], `rank ${k} equals rank 0`)
      let worst = 0
      for (let i = 0; i < exact.length; i++)
        worst = Math.max(worst, Math.abs(bufs[0]![i]! - exact[i]!) / Math.max(1, Math.abs(exact[i]!)))
      assert.ok(worst < tol, `worst relative error ${worst} >= ${tol}`)
      assert.ok(worst > 0, 'a 16-bit wire rounds something')
    } finally {
      await r.close()
    }
  })
}

ring("broadcast copies the root's buffer to every rank; barrier waits for all", async ({ server }) => {
  const n = 3
  const r = await openRing(server!.url, nextTrial(), n, { chunkBytes: 512 })
  try {
    const bufs = Array.from({ length: n }, (_, k) => randomFloats(999, 50 + k))
    const root = bufs[1]!.slice()
    await Promise.all(r.ranks.map((c, k) => c.broadcast(bufs[k]!, 1)))
    for (const b of bufs) assert.equal([...b], [...root])
    let passed = 0
    const early = Promise.all(r.ranks.slice(0, 2).map((c) => c.barrier().then(() => passed++)))
    await new Promise((ok) => setImmediate(ok))
    await new Promise((ok) => setTimeout(ok, 30))
    assert.is(passed, 0, 'nobody passes the barrier before the last rank arrives')
    await Promise.all([early, r.ranks[2]!.barrier()])
    assert.is(passed, 2)
  } finally {
    await r.close()
  }
})

ring('a rank that never calls makes the step time out on the others', async ({ server }) => {
  const n = 3
  const r = await openRing(server!.url, nextTrial(), n, { stepTimeoutMs: 300 })
  try {
    const started = Date.now()
    const errs = await Promise.all(
      [0, 1].map((k) => rejects(() => r.ranks[k]!.allReduce(new Float32Array(100)), CollectiveError)),
    )
    for (const e of errs) assert.is((e as CollectiveError).code, ErrorCode.timeout)
    assert.match((errs[0] as Error).message, /nothing from rank/)
    assert.ok(Date.now() - started < 5000, 'failed within a few timeouts')
    // The ring is broken for good: later operations fail at once with the same error.
    await rejects(() => r.ranks[0]!.barrier(), CollectiveError)
  } finally {
    await r.close()
  }
})

ring('ranks that disagree on a size fail with a clear error', async ({ server }) => {
  const r = await openRing(server!.url, nextTrial(), 2, { stepTimeoutMs: 2000 })
  try {
    const [a] = await Promise.allSettled([
      r.ranks[0]!.allReduce(new Float32Array(10)),
      r.ranks[1]!.allReduce(new Float32Array(12)),
    ])
    assert.is(a.status, 'rejected')
    const err = (a as PromiseRejectedResult).reason as CollectiveError
    assert.is(err.code, ErrorCode.invalidArgument)
    assert.match(err.message, /disagree on its size \(10 elements here, 12/)
  } finally {
    await r.close()
  }
})

ring('aborting the trial fails a pending step at once', async ({ server }) => {
  const abort = new AbortController()
  const r = await openRing(server!.url, nextTrial(), 2, { signal: abort.signal })
  try {
    const pending = r.ranks[0]!.allReduce(new Float32Array(10))
    abort.abort()
    const err = (await rejects(() => pending, CollectiveError)) as CollectiveError
    assert.is(err.code, ErrorCode.cancelled)
  } finally {
    await r.close()
  }
})

ring("a rank hears only its previous rank's node: another node's rank 0 is not a peer", async ({ server }) => {
  const trialId = nextTrial()
  const ncs = await Promise.all([0, 1].map(() => connect({ servers: server!.url })))
  try {
    // Rank 1 (on node-b) was told rank 0 runs on node-a; this rank 0 sends as node-c.
    const waiting = RingCommunicator.open({
      nc: ncs[0]!,
      trialId,
      attempt: 1,
      rank: 1,
      worldSize: 2,
      nodeId: 'node-b',
      prevNodeId: 'node-a',
      rendezvousTimeoutMs: 60_000,
    })
    const o = { nc: ncs[1]!, trialId, attempt: 1, rank: 0, worldSize: 2, prevNodeId: 'node-b' }
    const err = (await rejects(
      () => RingCommunicator.open({ ...o, nodeId: 'node-c', rendezvousTimeoutMs: 800 }),
      CollectiveError,
    )) as CollectiveError
    assert.is(err.code, ErrorCode.timeout)
    const real = await RingCommunicator.open({ ...o, nodeId: 'node-a' })
    const peer = await waiting
    const bufs = [new Float32Array([1, 2]), new Float32Array([3, 4])]
    await Promise.all([real.allReduce(bufs[0]!), peer.allReduce(bufs[1]!)])
    assert.equal([...bufs[0]!], [2, 3])
    real.close()
    peer.close()
  } finally {
    await Promise.all(ncs.map((nc) => nc.close()))
  }
})

ring('a rank of another attempt is not a peer: joining times out', async ({ server }) => {
  const trialId = nextTrial()
  const ncs = await Promise.all([0, 1].map(() => connect({ servers: server!.url })))
  try {
    const old = RingCommunicator.open({
      nc: ncs[0]!,
      trialId,
      attempt: 1,
      rank: 1,
      worldSize: 2,
      nodeId: 'node-1',
      rendezvousTimeoutMs: 60_000,
    })
    const err = (await rejects(
      () =>
        RingCommunicator.open({
          nc: ncs[1]!,
          trialId,
          attempt: 2,
          rank: 0,
          worldSize: 2,
          nodeId: 'node-1',
          rendezvousTimeoutMs: 800,
        }),
      CollectiveError,
    )) as CollectiveError
    assert.is(err.code, ErrorCode.timeout)
    assert.match(err.message, /rank 1 .* did not join/)
    const fresh = await RingCommunicator.open({
      nc: ncs[1]!,
      trialId,
      attempt: 1,
      rank: 0,
      worldSize: 2,
      nodeId: 'node-1',
    })
    const joined = await old
    const a = Float32Array.of(1, 2)
    const b = Float32Array.of(3, 4)
    await Promise.all([fresh.allReduce(a, { average: false }), joined.allReduce(b, { average: false })])
    assert.equal([...a], [4, 6])
    fresh.close()
    joined.close()
  } finally {
    await Promise.all(ncs.map((nc) => nc.close()))
  }
})

ring.run()
