// One thread of bench:allreduce: a ring rank (timed all-reduces), or one end of the raw
// nats.js publish -> subscribe measurement. Told what to do by workerData; posts its result.
import { parentPort, workerData } from 'node:worker_threads'
import { connect } from '@nats-io/transport-node'
import { RingCommunicator } from '@kiln/train'
import { randomArray } from './common.js'

export type RankJob =
  | {
      kind: 'ring'
      url: string
      trialId: string
      rank: number
      size: number
      floats: number
      iters: number
      chunkBytes: number
      wire: number
    }
  | { kind: 'pub'; url: string; subject: string; bytes: number; chunkBytes: number; iters: number }
  | { kind: 'sub'; url: string; subject: string; bytes: number; iters: number }

/** What a thread posts back: seconds per iteration, or start/end wall times (ms). */
export type RankResult = { secondsPerOp: number } | { ready: true } | { at: number }

const job = workerData as RankJob
const now = () => performance.timeOrigin + performance.now()
const nc = await connect({ servers: job.url })

if (job.kind === 'ring') {
  const ring = await RingCommunicator.open({
    nc,
    trialId: job.trialId,
    attempt: 1,
    rank: job.rank,
    worldSize: job.size,
    nodeId: 'bench',
    chunkBytes: job.chunkBytes,
  })
  const buf = randomArray(job.floats, job.rank + 1)
  await ring.allReduce(buf, { wire: job.wire as 0 })
  await ring.barrier()
  const start = performance.now()
  for (let i = 0; i < job.iters; i++) await ring.allReduce(buf, { wire: job.wire as 0 })
  parentPort!.postMessage({ secondsPerOp: (performance.now() - start) / 1000 / job.iters } satisfies RankResult)
  ring.close()
} else if (job.kind === 'sub') {
  let got = 0
  const total = job.bytes * job.iters
  const done = new Promise<void>((ok) => {
    nc.subscribe(job.subject, {
      callback: (_e, m) => {
        got += m.data.byteLength
        if (got >= total) ok()
      },
    })
  })
  await nc.flush()
  parentPort!.postMessage({ ready: true } satisfies RankResult)
  await done
  parentPort!.postMessage({ at: now() } satisfies RankResult)
} else {
  // Fresh buffers per message, as the ring allocates them, and a round trip to the server
  // every 16 messages (the ring's window): unpaced, a publisher outruns its subscriber until
  // the server drops it as a slow consumer (64 MB pending).
  const start = now()
  let sent = 0
  for (let i = 0; i < job.iters; i++) {
    for (let off = 0; off < job.bytes; off += job.chunkBytes) {
      nc.publish(job.subject, Buffer.allocUnsafe(Math.min(job.chunkBytes, job.bytes - off)))
      if (++sent % 16 === 0) await nc.flush()
    }
  }
  await nc.flush()
  parentPort!.postMessage({ at: start } satisfies RankResult)
}
await nc.close()
