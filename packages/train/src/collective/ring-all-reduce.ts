// Ring all-reduce of one buffer: reduce-scatter, then all-gather, each N-1 steps around
// the ring, streamed chunk by chunk: a chunk received at one step is reduced and sent on
// at once, so every link carries data all the time (no step waits for the whole segment).
// After the reduce-scatter rank r owns the finished segment r+1; the one who finishes a
// chunk scales it and keeps the rounded wire value, so every rank ends with the same bits.
import { wireAccumulate, wireDecode, wireEncode, wireBytes, type WireType } from '@kiln/native'
import { RingKind, type RingHeader } from './ring-header.js'
import { RingOp, type RingLink } from './ring-op.js'
import { mod, RingPlan } from './ring-plan.js'

// Chunks of its own segment a rank sends ahead before hearing from its predecessor: the
// rest follow one per chunk received, so no burst of a whole segment floods the server.
const WINDOW = 16

export class AllReduceOp extends RingOp {
  private readonly plan: RingPlan
  private readonly bytes: number
  private sentInitial = 0
  private rsFirstReceived = 0
  private finalized = 0
  private gathered = 0
  private readonly targets: { initial: number; firstFromPrev: number; finalize: number; gather: number }

  constructor(
    id: number,
    link: RingLink,
    private readonly buf: Float32Array,
    private readonly wire: WireType,
    private readonly scale: number,
  ) {
    super(id, `all-reduce #${id}`, link, buf.length)
    this.bytes = wireBytes(wire)
    const n = link.size
    this.plan = new RingPlan(buf.length, n, Math.max(1, Math.floor(link.chunkBytes / this.bytes)))
    const r = link.rank
    let gather = 0
    for (let g = 0; g < n; g++) if (g !== mod(r + 1, n)) gather += this.plan.chunks(g)
    this.targets = {
      initial: this.plan.chunks(r),
      firstFromPrev: this.plan.chunks(mod(r - 1, n)),
      finalize: this.plan.chunks(mod(r + 1, n)),
      gather,
    }
  }

  start(): void {
    if (this.link.size === 1) {
      if (this.scale !== 1) for (let i = 0; i < this.buf.length; i++) this.buf[i]! *= this.scale
      this.resolve()
      return
    }
    this.sendInitial()
    this.check()
  }

  // Reduce-scatter step 0: this rank's own segment, within the window.
  private sendInitial(): void {
    const allowed = this.rsFirstReceived >= this.targets.firstFromPrev ? Infinity : WINDOW + this.rsFirstReceived
    const g = this.link.rank
    while (this.sentInitial < this.targets.initial && this.sentInitial < allowed) {
      const j = this.sentInitial++
      const [b, e] = this.plan.range(g, j)
      this.link.send(this.header(RingKind.reduceScatter, 0, g, j), (e - b) * this.bytes, (p) =>
        wireEncode(this.buf.subarray(b, e), p, this.wire),
      )
    }
  }

  private header(kind: RingKind, step: number, seg: number, chunk: number): Omit<RingHeader, 'attempt'> {
    return { kind, wire: this.wire, step, op: this.id, seg, chunk, total: this.total }
  }

  protected handle(h: RingHeader, payload: Uint8Array): void {
    const n = this.link.size
    const r = this.link.rank
    this.expect(h.wire === this.wire, `wire type ${h.wire}, expected ${this.wire}`)
    this.expect(h.step <= n - 2, `step ${h.step} of ${n - 1}`)
    if (h.kind === RingKind.reduceScatter) {
      const g = mod(r - 1 - h.step, n)
      this.expect(
        h.seg === g && h.chunk < this.plan.chunks(g),
        `reduce-scatter step ${h.step} segment ${h.seg} chunk ${h.chunk}`,
      )
      const [b, e] = this.plan.range(g, h.chunk)
      const acc = this.buf.subarray(b, e)
      const last = h.step === n - 2
      const next = last
        ? this.header(RingKind.allGather, 0, g, h.chunk)
        : this.header(RingKind.reduceScatter, h.step + 1, g, h.chunk)
      this.link.send(next, (e - b) * this.bytes, (out) =>
        wireAccumulate(acc, payload, this.wire, last ? this.scale : 1, out),
      )
      if (last) this.finalized++
      if (h.step === 0) {
        this.rsFirstReceived++
        this.sendInitial()
      }
    } else {
      this.expect(h.kind === RingKind.allGather, `kind ${h.kind}`)
      const g = mod(r - h.step, n)
      this.expect(
        h.seg === g && h.chunk < this.plan.chunks(g),
        `all-gather step ${h.step} segment ${h.seg} chunk ${h.chunk}`,
      )
      const [b, e] = this.plan.range(g, h.chunk)
      wireDecode(payload, this.buf.subarray(b, e), this.wire)
      if (h.step < n - 2)
        this.link.send(this.header(RingKind.allGather, h.step + 1, g, h.chunk), payload.byteLength, (out) =>
          out.set(payload),
        )
      this.gathered++
    }
    this.check()
  }

  private check(): void {
    if (
      this.finalized === this.targets.finalize &&
      this.gathered === this.targets.gather &&
      this.sentInitial === this.targets.initial
    )
      this.resolve()
  }
}
