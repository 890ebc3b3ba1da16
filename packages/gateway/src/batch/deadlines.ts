// Request deadlines swept by one timer instead of a timer per request. Every request of a
// batcher has the same timeout, so deadlines arrive in order: the oldest unsettled entry is
// the next to expire. Settled entries are skipped and trimmed lazily.

/** What the sweep needs of an entry. */
export interface Deadlined {
  deadline: number
  settled: boolean
}

/** Calls `expire` for each tracked entry still unsettled at its deadline (performance.now() ms). */
export class DeadlineSweep<T extends Deadlined> {
  private entries: T[] = []
  private head = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly expire: (entry: T) => void) {}

  /** Tracks an entry whose deadline is no earlier than any tracked before it. */
  track(entry: T): void {
    this.skipSettled()
    this.entries.push(entry)
    if (this.timer === undefined) this.arm()
  }

  /** Stops the timer (entries are no longer expired). */
  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.entries = []
    this.head = 0
  }

  private skipSettled(): void {
    while (this.head < this.entries.length && this.entries[this.head]!.settled) this.head++
    if (this.head > 256 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }

  private arm(): void {
    this.skipSettled()
    const next = this.entries[this.head]
    if (next === undefined) return
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        const now = performance.now()
        for (; this.head < this.entries.length; this.head++) {
          const e = this.entries[this.head]!
          if (e.settled) continue
          if (e.deadline > now) break
          this.expire(e)
        }
        this.arm()
      },
      Math.max(0, next.deadline - performance.now()),
    )
  }
}
