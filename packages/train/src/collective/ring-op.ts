// What every ring operation shares: its promise, its progress clock (for the step
// timeout), and the checks that a message belongs to it.
import { ErrorCode } from '@kiln/protocol'
import { CollectiveError } from './errors.js'
import type { RingHeader } from './ring-header.js'

/** What an operation needs from its communicator. */
export interface RingLink {
  readonly rank: number
  readonly size: number
  /** Largest payload of one message, in bytes. */
  readonly chunkBytes: number
  /** Sends header + `bytes` payload bytes (written by fill, in place) to the next rank. */
  send(h: Omit<RingHeader, 'attempt'>, bytes: number, fill: (payload: Uint8Array) => void): void
}

export abstract class RingOp {
  /** When this rank last heard anything for the operation (or started it). */
  lastProgress = performance.now()
  readonly done: Promise<void>
  private settle!: { ok: () => void; fail: (err: Error) => void }
  private finished = false

  constructor(
    readonly id: number,
    readonly what: string,
    protected readonly link: RingLink,
    readonly total: number,
  ) {
    this.done = new Promise<void>((ok, fail) => (this.settle = { ok, fail }))
    // A failure nobody awaits yet (a bucket still queued) must not crash the thread.
    this.done.catch(() => undefined)
  }

  get isFinished(): boolean {
    return this.finished
  }

  abstract start(): void
  protected abstract handle(h: RingHeader, payload: Uint8Array): void

  /** Applies one message (of this operation: the communicator routes by h.op). */
  receive(h: RingHeader, payload: Uint8Array): void {
    if (this.finished) return
    this.lastProgress = performance.now()
    if (h.total !== this.total) {
      throw new CollectiveError(
        ErrorCode.invalidArgument,
        `${this.what}: ranks disagree on its size (${this.total} elements here, ${h.total} at the previous rank); every rank must run the same collectives in the same order`,
      )
    }
    this.handle(h, payload)
  }

  protected resolve(): void {
    if (this.finished) return
    this.finished = true
    this.settle.ok()
  }

  fail(err: Error): void {
    if (this.finished) return
    this.finished = true
    this.settle.fail(err)
  }

  protected expect(cond: boolean, detail: string): void {
    if (!cond) throw new CollectiveError(ErrorCode.internal, `${this.what}: unexpected message (${detail})`)
  }
}
