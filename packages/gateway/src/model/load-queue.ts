// Model loads wait their turn here: at most `concurrency` run at once (each takes an
// inference thread for a while), the rest queue in order. The queue has no limit: a load is
// never failed because others are waiting (piscina's bounded queue did that at start-up).

/** A FIFO of async tasks run at most `concurrency` at a time. */
export class LoadQueue {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('LoadQueue: concurrency >= 1')
  }

  /** Tasks waiting for a turn. */
  get queued(): number {
    return this.waiting.length
  }

  /** Tasks running now. */
  get running(): number {
    return this.active
  }

  /** Runs `task` once a slot is free; resolves or rejects with it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((go) => this.waiting.push(go))
    else this.active++
    try {
      return await task()
    } finally {
      // The slot passes straight to the next waiter (active stays), or is freed.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
