// Broadcast around the ring: the root streams its buffer in chunks to the next rank, and
// every rank stores each chunk and passes it on until it would reach the root again.
import { wireDecode, wireEncode, WireType } from '@kiln/native'
import { RingKind, type RingHeader } from './ring-header.js'
import { RingOp, type RingLink } from './ring-op.js'
import { mod, RingPlan } from './ring-plan.js'

export class BroadcastOp extends RingOp {
  private readonly plan: RingPlan
  private received = 0

  constructor(
    id: number,
    link: RingLink,
    private readonly buf: Float32Array,
    private readonly root: number,
  ) {
    super(id, `broadcast #${id} from rank ${root}`, link, buf.length)
    this.plan = new RingPlan(buf.length, 1, Math.max(1, Math.floor(link.chunkBytes / 4)))
  }

  private header(chunk: number): Omit<RingHeader, 'attempt'> {
    return {
      kind: RingKind.broadcast,
      wire: WireType.float32,
      step: 0,
      op: this.id,
      seg: this.root,
      chunk,
      total: this.total,
    }
  }

  start(): void {
    if (this.link.rank === this.root) {
      if (this.link.size > 1) {
        for (let j = 0; j < this.plan.chunks(0); j++) {
          const [b, e] = this.plan.range(0, j)
          this.link.send(this.header(j), (e - b) * 4, (p) => wireEncode(this.buf.subarray(b, e), p, WireType.float32))
        }
      }
      this.resolve()
    } else if (this.plan.chunks(0) === 0) {
      this.resolve()
    }
  }

  protected handle(h: RingHeader, payload: Uint8Array): void {
    this.expect(
      h.kind === RingKind.broadcast && h.seg === this.root && h.chunk < this.plan.chunks(0),
      `broadcast chunk ${h.chunk} from ${h.seg}`,
    )
    const [b, e] = this.plan.range(0, h.chunk)
    wireDecode(payload, this.buf.subarray(b, e), WireType.float32)
    if (mod(this.link.rank + 1, this.link.size) !== this.root)
      this.link.send(this.header(h.chunk), payload.byteLength, (out) => out.set(payload))
    if (++this.received === this.plan.chunks(0)) this.resolve()
  }
}
