// The parsed form of one search-space dimension, and what every searcher and PBT's explore
// step needs from it: sampling, snapping a number onto the dimension, and the "internal"
// coordinates (log for log dims, widened by half a step for discrete ones) that random
// search and TPE's Parzen estimators both work in, so the two see the same geometry.
import { jsonEqual, type JsonValue } from './json.js'
import type { Rng } from '@kiln/protocol'

/** A numeric dimension: floats or integers, optionally log-scaled and/or quantized to steps of q. */
export interface NumericDomain {
  kind: 'float' | 'int'
  low: number
  high: number
  log: boolean
  /** Values are low + k*q; integers default to q = 1. */
  q?: number
}

/** A list of values: `choice` is sampled, `grid` is enumerated by the grid searcher. */
export interface ValuesDomain {
  kind: 'choice' | 'grid'
  values: JsonValue[]
}

/** One dimension of a search space. */
export type Domain = NumericDomain | ValuesDomain

/** Dimensions by dotted key (`optimizer.learningRate`), in the order the spec lists them. */
export type Space = Record<string, Domain>

/** True for float and int dimensions. */
export function isNumeric(domain: Domain): domain is NumericDomain {
  return domain.kind === 'float' || domain.kind === 'int'
}

/** The step of a discrete dimension, undefined for a continuous one. */
export function stepOf(domain: NumericDomain): number | undefined {
  return domain.q ?? (domain.kind === 'int' ? 1 : undefined)
}

// Decimal noise such as 0.30000000000000004 would show up in trial names and leaderboards.
function tidy(x: number): number {
  return Number(x.toPrecision(12))
}

/** Clamps x into the dimension and rounds it onto its steps (low + k*q, never above high). */
export function snap(domain: NumericDomain, x: number): number {
  const { low, high } = domain
  let v = Math.min(high, Math.max(low, x))
  const q = stepOf(domain)
  if (q !== undefined) {
    const last = Math.floor((high - low) / q + 1e-9)
    // low + k*q may land an ulp above high when high - low is a multiple of q.
    const exact = Math.min(high, low + Math.min(last, Math.max(0, Math.round((v - low) / q))) * q)
    const tidied = tidy(exact)
    v = tidied >= low && tidied <= high ? tidied : exact
  }
  return domain.kind === 'int' ? Math.round(v) : v
}

/** Bounds in internal coordinates: log-scaled for log dims, half a step wider for discrete ones. */
export function internalBounds(domain: NumericDomain): [number, number] {
  const half = (stepOf(domain) ?? 0) / 2
  let low = domain.low - half
  const high = domain.high + half
  // A log dim cannot widen below zero; its lowest value then gets a slightly smaller share.
  if (domain.log && low <= 0) low = domain.low
  return domain.log ? [Math.log(low), Math.log(high)] : [low, high]
}

/** A value's internal coordinate. */
export function toInternal(domain: NumericDomain, value: number): number {
  return domain.log ? Math.log(value) : value
}

/** The dimension's value at an internal coordinate (snapped). */
export function fromInternal(domain: NumericDomain, x: number): number {
  return snap(domain, domain.log ? Math.exp(x) : x)
}

/** One value drawn from the dimension's prior (uniform in internal coordinates). */
export function sampleDomain(domain: Domain, rng: Rng): JsonValue {
  if (!isNumeric(domain)) return structuredClone(rng.pick(domain.values))
  const [low, high] = internalBounds(domain)
  return fromInternal(domain, rng.uniform(low, high))
}

/** True when `value` is a value the dimension can produce (used by tests and restore checks). */
export function inDomain(domain: Domain, value: JsonValue): boolean {
  if (!isNumeric(domain)) return indexOfValue(domain, value) >= 0
  if (typeof value !== 'number' || !(value >= domain.low && value <= domain.high)) return false
  if (domain.kind === 'int' && !Number.isInteger(value)) return false
  return stepOf(domain) === undefined || snap(domain, value) === value
}

/** The index of a value in a values dimension, -1 when absent. */
export function indexOfValue(domain: ValuesDomain, value: JsonValue | undefined): number {
  return value === undefined ? -1 : domain.values.findIndex((v) => jsonEqual(v, value))
}
