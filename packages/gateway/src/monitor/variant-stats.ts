// Traffic per endpoint variant over the last minute, for `kiln endpoint show`: requests,
// errors and a latency histogram in one-second slots, so any replica can answer "req/s, p50,
// p99 now" and several replicas' answers add up (same buckets everywhere).

/** Latency bucket upper bounds (seconds): 100 µs to ~100 s, 25% apart. */
export const LATENCY_BOUNDS: readonly number[] = Array.from({ length: 63 }, (_, i) => 1e-4 * 1.25 ** i)

const SLOTS = 60

interface Slot {
  second: number
  requests: number
  errors: number
  counts: Uint32Array
}

/** One variant's last minute, summed. */
export interface VariantWindow {
  endpoint: string
  variant: string
  requests: number
  errors: number
  /** Per LATENCY_BOUNDS bucket, plus one past the last bound. */
  latencyCounts: number[]
}

/** The last minute of every endpoint variant that served. */
export class VariantStats {
  private readonly rings = new Map<string, { endpoint: string; variant: string; slots: Slot[] }>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request of `endpoint`'s `variant` that took `seconds`. */
  record(endpoint: string, variant: string, seconds: number, ok: boolean): void {
    const key = `${endpoint}\u0000${variant}`
    let ring = this.rings.get(key)
    if (!ring) this.rings.set(key, (ring = { endpoint, variant, slots: [] }))
    const second = Math.floor(this.now() / 1000)
    let slot = ring.slots[second % SLOTS]
    if (!slot || slot.second !== second) {
      slot = { second, requests: 0, errors: 0, counts: new Uint32Array(LATENCY_BOUNDS.length + 1) }
      ring.slots[second % SLOTS] = slot
    }
    slot.requests++
    if (!ok) slot.errors++
    let b = 0
    while (b < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[b]!) b++
    slot.counts[b]!++
  }

  /** The last `SLOTS` seconds of each variant of `endpoint` (all endpoints without one). */
  window(endpoint?: string): VariantWindow[] {
    const since = Math.floor(this.now() / 1000) - SLOTS
    const out: VariantWindow[] = []
    for (const ring of this.rings.values()) {
      if (endpoint !== undefined && ring.endpoint !== endpoint) continue
      const w: VariantWindow = {
        endpoint: ring.endpoint,
        variant: ring.variant,
        requests: 0,
        errors: 0,
        latencyCounts: new Array<number>(LATENCY_BOUNDS.length + 1).fill(0),
      }
      for (const s of ring.slots) {
        if (!s || s.second <= since) continue
        w.requests += s.requests
        w.errors += s.errors
        s.counts.forEach((n, i) => {
          w.latencyCounts[i]! += n
        })
      }
      out.push(w)
    }
    return out
  }
}

/** The window length in seconds. */
export const STATS_WINDOW_S = SLOTS
