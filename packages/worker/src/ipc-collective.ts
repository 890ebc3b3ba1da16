// A script trial process's collective: it has no network, so each operation goes to the
// node agent over IPC, which runs it on the trial's ring (relayCollective) and sends the
// result back; the buffer is copied both ways.
import { fromWire, toWire } from '@kiln/protocol'
import type { AllReduceOptions, Collective } from '@kiln/train'
import type { CollectiveRequest, ToProcess } from './process-messages.js'
import type { JoinCollective } from './trial-thread.js'

type Done = Extract<ToProcess, { type: 'collective-done' }>

/** The process side: `send` reaches the agent; `answers` gets each collective-done message. */
export function ipcJoin(
  send: (m: CollectiveRequest) => void,
  answers: (fn: (m: Done) => void) => void,
): JoinCollective {
  return async (task) => {
    const ring = task.ring
    if (!ring || ring.worldSize <= 1) return undefined
    const waiting = new Map<number, (m: Done) => void>()
    answers((m) => {
      waiting.get(m.id)?.(m)
      waiting.delete(m.id)
    })
    let next = 0
    const call = (op: CollectiveRequest['op'], buf?: Float32Array, extra: Partial<CollectiveRequest> = {}) =>
      new Promise<void>((ok, fail) => {
        const id = ++next
        waiting.set(id, (m) => {
          if (m.error) return fail(fromWire(m.error))
          if (buf && m.buf) buf.set(m.buf)
          ok()
        })
        send({ type: 'collective', id, op, ...(buf ? { buf } : {}), ...extra })
      })
    const collective: Collective = {
      rank: ring.rank,
      worldSize: ring.worldSize,
      allReduce: (buf: Float32Array, options?: AllReduceOptions) => call('allReduce', buf, options ? { options } : {}),
      broadcast: (buf: Float32Array, root?: number) => call('broadcast', buf, root === undefined ? {} : { root }),
      barrier: () => call('barrier'),
      close: () => undefined,
    }
    return { collective, leave: async () => undefined }
  }
}

/** The agent side: runs one request on `collective` and says how it went. */
export async function relayCollective(collective: Collective, m: CollectiveRequest): Promise<Omit<Done, 'type'>> {
  try {
    if (m.op === 'barrier') await collective.barrier()
    else if (!m.buf) throw new TypeError(`collective ${m.op} without a buffer`)
    else if (m.op === 'allReduce') await collective.allReduce(m.buf, m.options)
    else await collective.broadcast(m.buf, m.root)
    return { id: m.id, ...(m.buf ? { buf: m.buf } : {}) }
  } catch (err) {
    return { id: m.id, error: toWire(err) }
  }
}
