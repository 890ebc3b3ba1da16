// pnpm bench:allreduce [-- --json] [--ranks 2,4] [--mb 1,4,16,64] [--chunk-kb 256] [--wire f32|f16|bf16]
// Ring all-reduce over a local nats-server, each rank a thread with its own connection (as
// trial threads are): algbw = bytes / time and busbw = algbw * 2(N-1)/N (the nccl-tests
// definitions), beside the raw nats.js publish -> subscribe throughput of the same bytes in
// the same chunks, measured in the same run: one pair alone (raw_pair) and N threads
// sending around a ring at once (raw_ring: the same links busy together, no arithmetic).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNatsServer } from '@kiln/local'
import { WireType, wireBytes } from '@kiln/native'
import { tsWorker } from '../../test/helpers/ts-worker.js'
import { report, round, type BenchFlags } from './common.js'
import type { RankJob, RankResult } from './allreduce-rank.js'

const args = (() => {
  const out = { json: false, ranks: [2, 4], mb: [1, 4, 16, 64], chunkKb: 256, wire: WireType.float32 as WireType }
  const argv = process.argv.slice(2)
  const fail = (m: string): never => {
    process.stderr.write(`error: ${m}\n`)
    process.exit(2)
  }
  const list = (v: string | undefined, what: string) => {
    const xs = (v ?? '').split(',').map(Number)
    if (!xs.every((x) => Number.isInteger(x) && x >= 1)) fail(`${what} expects positive integers joined by commas`)
    return xs
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') continue
    else if (a === '--json') out.json = true
    else if (a === '--ranks') out.ranks = list(argv[++i], '--ranks')
    else if (a === '--mb') out.mb = list(argv[++i], '--mb')
    else if (a === '--chunk-kb') out.chunkKb = list(argv[++i], '--chunk-kb')[0]!
    else if (a === '--wire') {
      const w = { f32: WireType.float32, f16: WireType.float16, bf16: WireType.bfloat16 }[argv[++i] ?? '']
      out.wire = w ?? fail('--wire expects f32, f16 or bf16')
    } else fail(`unknown flag '${a}'`)
  }
  return out
})()
const flags: BenchFlags = { json: args.json, threads: undefined, shapes: [], seconds: 1, extra: {} }
const entry = new URL('./allreduce-rank.ts', import.meta.url)

// A thread that has not finished in THREAD_TIMEOUT_MS is stopped: a measurement that lost
// messages reports an error instead of hanging the run.
const THREAD_TIMEOUT_MS = 180_000

function thread(job: RankJob, onMessage: (r: RankResult) => void = () => undefined): Promise<RankResult> {
  return new Promise((ok, fail) => {
    const w = tsWorker(entry, job)
    let last: RankResult | undefined
    const timer = setTimeout(() => {
      fail(new Error(`bench thread (${job.kind}) did not finish in ${THREAD_TIMEOUT_MS} ms`))
      void w.terminate()
    }, THREAD_TIMEOUT_MS)
    w.on('message', (m: RankResult) => {
      last = m
      onMessage(m)
    })
    w.on('error', fail)
    w.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0 && last) ok(last)
      else fail(new Error(`bench thread (${job.kind}) exited with ${code}`))
    })
  })
}

// Enough repetitions for about 128 MB of traffic per measurement, at least 3.
const itersFor = (bytes: number) => Math.max(3, Math.ceil((128 << 20) / bytes))
const ROUNDS = 3

async function rawPair(url: string, subject: string, bytes: number, iters: number): Promise<number> {
  let ready!: () => void
  const subReady = new Promise<void>((ok) => (ready = ok))
  const sub = thread({ kind: 'sub', url, subject, bytes, iters }, (m) => {
    if ('ready' in m) ready()
  })
  await subReady
  const pub = await thread({ kind: 'pub', url, subject, bytes, chunkBytes: args.chunkKb * 1024, iters })
  const end = await sub
  return (bytes * iters) / (((end as { at: number }).at - (pub as { at: number }).at) / 1000)
}

// N publishers at once, each to the next thread's subscriber: the all-reduce's traffic
// (2(N-1)/N of the buffer per link) without the arithmetic.
async function rawRing(url: string, tag: string, n: number, bytes: number, iters: number): Promise<number> {
  const perLink = Math.round((bytes * 2 * (n - 1)) / n)
  const readies: Promise<void>[] = []
  const subs = Array.from({ length: n }, (_, k) => {
    let ready!: () => void
    readies.push(new Promise<void>((ok) => (ready = ok)))
    return thread({ kind: 'sub', url, subject: `${tag}.${k}`, bytes: perLink, iters }, (m) => {
      if ('ready' in m) ready()
    })
  })
  await Promise.all(readies)
  const pubs = await Promise.all(
    Array.from({ length: n }, (_, k) =>
      thread({
        kind: 'pub',
        url,
        subject: `${tag}.${(k + 1) % n}`,
        bytes: perLink,
        chunkBytes: args.chunkKb * 1024,
        iters,
      }),
    ),
  )
  const ends = await Promise.all(subs)
  const start = Math.min(...pubs.map((p) => (p as { at: number }).at))
  const end = Math.max(...ends.map((e) => (e as { at: number }).at))
  return (perLink * iters) / ((end - start) / 1000)
}

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-allreduce-'))
const nats = await startNatsServer({ dir })
try {
  let run = 0
  for (const n of args.ranks) {
    for (const mb of args.mb) {
      const bytes = mb * 1024 * 1024
      const floats = bytes / 4
      const wireTotal = floats * wireBytes(args.wire)
      const iters = itersFor(wireTotal)
      // Best of ROUNDS, each round measuring all three back to back: the machine's other
      // load then hits the ring and its raw references alike.
      let seconds = Infinity
      let pair = 0
      let ring = 0
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const trialId = `bench-${process.pid}-${++run}`
          const times = await Promise.all(
            Array.from({ length: n }, (_, rank) =>
              thread({
                kind: 'ring',
                url: nats.url,
                trialId,
                rank,
                size: n,
                floats,
                iters,
                chunkBytes: args.chunkKb * 1024,
                wire: args.wire,
              }),
            ),
          )
          seconds = Math.min(seconds, Math.max(...times.map((t) => (t as { secondsPerOp: number }).secondsPerOp)))
          pair = Math.max(pair, (await rawPair(nats.url, `bench.raw.${run}`, wireTotal, iters)) / 1e9)
          ring = Math.max(ring, (await rawRing(nats.url, `bench.ring.${run}`, n, wireTotal, iters)) / 1e9)
        }
      } catch (err) {
        report(flags, { bench: 'allreduce', ranks: n, mb, error: String((err as Error).message) })
        continue
      }
      const algbw = bytes / seconds / 1e9
      const busbw = (algbw * 2 * (n - 1)) / n
      const wireBusbw = (busbw * wireBytes(args.wire)) / 4
      report(flags, {
        bench: 'allreduce',
        ranks: n,
        mb,
        wire: ['f32', 'f16', 'bf16'][args.wire]!,
        chunk_kb: args.chunkKb,
        iters,
        ms: round(seconds * 1000, 3),
        algbw_GBps: round(algbw, 3),
        busbw_GBps: round(busbw, 3),
        raw_pair_GBps: round(pair, 3),
        raw_ring_GBps: round(ring, 3),
        busbw_vs_raw_pair: round(wireBusbw / pair, 3),
        busbw_vs_raw_ring: round(wireBusbw / ring, 3),
      })
    }
  }
} finally {
  await nats.stop()
  rmSync(dir, { recursive: true, force: true })
}
