// Writes numbered messages into a JetStream stream one after the other and remembers each
// one the cluster acknowledged (its sequence and body), so a test can check after a fault
// that every acknowledged write is still there. A write that fails is retried with the
// same message id (the stream's dedupe window makes a retry of a write that did land a
// no-op). The loop is bounded in count and time and stops by itself.
import { type JetStreamClient, jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'

export interface AckedWrite {
  n: number
  seq: number
  body: string
  at: number
}

export class AckedWriter {
  readonly acked: AckedWrite[] = []
  failures = 0
  private stopped = false
  private readonly js: JetStreamClient
  readonly done: Promise<void>

  constructor(
    nc: NatsConnection,
    private readonly subject: string,
    private readonly o: { maxWrites: number; maxMs: number; everyMs: number },
  ) {
    this.js = jetstream(nc, { timeout: 2000 })
    this.done = this.loop()
  }

  /** Acknowledged writes since `t` (ms since the epoch). */
  ackedSince(t: number): number {
    return this.acked.filter((w) => w.at >= t).length
  }

  private async loop(): Promise<void> {
    const deadline = Date.now() + this.o.maxMs
    const tag = Math.random().toString(36).slice(2, 8)
    for (let n = 1; n <= this.o.maxWrites && !this.stopped && Date.now() < deadline; n++) {
      const body = `probe ${tag} #${n}`
      for (;;) {
        if (this.stopped || Date.now() >= deadline) return
        try {
          const ack = await this.js.publish(this.subject, new TextEncoder().encode(body), { msgID: `${tag}-${n}` })
          this.acked.push({ n, seq: ack.seq, body, at: Date.now() })
          break
        } catch {
          this.failures++
          await new Promise((ok) => setTimeout(ok, 200))
        }
      }
      await new Promise((ok) => setTimeout(ok, this.o.everyMs))
    }
  }

  /** Stops after the write in flight. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.done
  }
}
