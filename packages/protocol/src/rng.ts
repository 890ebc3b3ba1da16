// Kiln's one seeded random number generator: sweeps sample with it, datasets shuffle with
// it. Its whole state is four uint32 words, so a sweep snapshot carries it as plain JSON and
// a restored engine continues the same stream; the same seed gives the same stream on every
// machine (never Math.random where a run must replay).

/** The serializable state of an Rng: four uint32 words. */
export type RngState = [number, number, number, number]

/** A seeded sfc32 generator (small, fast, passes PractRand to 2^40 bytes). */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  /** A uint32 seed; the same seed always gives the same stream. */
  constructor(seed: number) {
    // splitmix32 spreads neighbouring seeds apart so seed 1 and seed 2 share no prefix.
    let s = seed >>> 0
    const mix = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = mix()
    this.b = mix()
    this.c = mix()
    this.d = mix()
    for (let i = 0; i < 12; i++) this.uint32()
  }

  /** Rebuilds a generator at exactly the position `state()` returned. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0)
    ;[rng.a, rng.b, rng.c, rng.d] = state.map((w) => w >>> 0) as RngState
    return rng
  }

  /** The position in the stream, as plain JSON. */
  state(): RngState {
    return [this.a, this.b, this.c, this.d]
  }

  /** A uniform uint32. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = (this.b ^ (this.b >>> 9)) >>> 0
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.uint32() >>> 5
    const lo = this.uint32() >>> 6
    return (hi * 67108864 + lo) / 9007199254740992
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next()
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A standard normal deviate (Box-Muller; the second deviate is dropped to keep the state four words). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number {
    let total = 0
    for (const w of weights) total += w
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!
      if (r < 0) return i
    }
    return weights.length - 1
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
}
