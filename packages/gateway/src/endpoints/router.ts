// Which variant serves a request: a weighted draw among the serving variants (canary
// splits), and whether the shadow variant, if any, gets a copy.
import type { EndpointRecord, Variant } from '@kiln/protocol'

export interface Route {
  primary: Variant
  /** Set when this request is also sent to the shadow variant. */
  shadow?: Variant
}

/** Picks the variants for one request; `random` gives uniform [0, 1) (seedable in tests). */
export function routeRequest(record: EndpointRecord, random: () => number): Route {
  const serving = record.variants.filter((v) => v.shadow === undefined && v.weight > 0)
  const total = serving.reduce((n, v) => n + v.weight, 0)
  let draw = random() * total
  let primary = serving[serving.length - 1]!
  for (const v of serving) {
    if (draw < v.weight) {
      primary = v
      break
    }
    draw -= v.weight
  }
  const shadowVariant = record.variants.find((v) => v.shadow !== undefined)
  const shadow = shadowVariant && random() < shadowVariant.shadow!.sampleRate ? shadowVariant : undefined
  return { primary, ...(shadow ? { shadow } : {}) }
}
