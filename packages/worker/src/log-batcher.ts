// A trial's log lines leave in batches: every KILN_LOGS message is a stored JetStream write
// (fsynced with sync_interval: always) and a publish acknowledgement, so a short trial's
// four narrated lines cost one of each rather than four. A line waits at most `flushMs`;
// the trial host flushes before it reports the trial ended, so its log is complete by then.
import type { LogBatch } from '@kiln/protocol'

type Entry = LogBatch['lines'][number]

export interface LogBatcherOptions {
  /** How long a line may wait for others (default 250 ms: a short trial's lines leave together). */
  flushMs?: number
  /** A batch is sent once its lines' text reaches this many bytes (default 32 KiB, half KILN_LOGS' message limit). */
  maxBytes?: number
}

export class LogBatcher {
  private lines: Entry[] = []
  private bytes = 0
  private timer: NodeJS.Timeout | undefined
  private sent: Promise<unknown> = Promise.resolve()
  private readonly flushMs: number
  private readonly maxBytes: number

  /** `send` publishes one batch; its failures are the caller's to report or ignore. */
  constructor(
    private readonly send: (lines: Entry[]) => Promise<unknown>,
    o: LogBatcherOptions = {},
  ) {
    this.flushMs = o.flushMs ?? 250
    this.maxBytes = o.maxBytes ?? 32 * 1024
  }

  add(line: Entry): void {
    const size = Buffer.byteLength(line.msg) + 96
    if (this.lines.length && this.bytes + size > this.maxBytes) this.flush()
    this.lines.push(line)
    this.bytes += size
    this.timer ??= setTimeout(() => this.flush(), this.flushMs)
  }

  /** Sends what waits; resolves once every batch sent so far was answered (or failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.lines.length) {
      // Sent at once, not after the previous answer: one connection keeps them in order.
      const batch = this.send(this.lines).catch(() => undefined)
      this.sent = Promise.all([this.sent, batch])
      this.lines = []
      this.bytes = 0
    }
    return this.sent.then(() => undefined)
  }
}
