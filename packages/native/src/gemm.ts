import { addon } from './addon.js'
import type { CpuCaches, GemmPlan, SimdLevel } from './types.js'

/** A product's operands (Float32Array for sgemm, bf16 in Uint16Array for gemmBf16) and sizes. */
export interface GemmOptions<T extends Float32Array | Uint16Array = Float32Array> {
  /** op(A) is m x k; A is stored k x m when transA. */
  a: T
  b: T
  /** Output, batch x m x n; allocated when omitted. */
  c?: Float32Array
  m: number
  n: number
  k: number
  transA?: boolean
  transB?: boolean
  /** Number of products; a or b holding one matrix is broadcast to all. */
  batch?: number
  alpha?: number
  /** Scale of the existing c (0: c is overwritten without being read). */
  beta?: number
}

/** The addon's positional argument list for o (c allocated when omitted). */
export function gemmArgs<T extends Float32Array | Uint16Array>(o: GemmOptions<T>) {
  const batch = o.batch ?? 1
  const c = o.c ?? new Float32Array(batch * o.m * o.n)
  return [!!o.transA, !!o.transB, batch, o.m, o.n, o.k, o.alpha ?? 1, o.a, o.b, o.beta ?? 0, c] as const
}

/** C = alpha * op(A) op(B) + beta * C on the native CPU kernels; returns C. */
export function sgemm(o: GemmOptions): Float32Array {
  const a = gemmArgs(o)
  addon.sgemm(...a)
  return a[10]
}

/** sgemm on a worker thread; the event loop stays free while it runs. */
export async function sgemmAsync(o: GemmOptions): Promise<Float32Array> {
  const a = gemmArgs(o)
  await addon.sgemmAsync(...a)
  return a[10]
}

export interface GemmPlanOptions {
  m: number
  n: number
  k: number
  transA?: boolean
  transB?: boolean
  /** Plan for this SIMD level (default: the one in effect); any level, even one this CPU lacks. */
  simd?: SimdLevel
  /** Plan for these cache sizes (default: this CPU's). */
  caches?: Pick<CpuCaches, 'l1d' | 'l2' | 'l3'>
  /** Plan for up to this many threads (default: the pool's size, threads()). */
  threads?: number
}

/** How sgemm would block and run a shape: on this core, or on a described one (nothing runs). */
export function gemmPlan(o: GemmPlanOptions): GemmPlan {
  const caches = o.caches ?? addon.cpuCaches()
  const level = o.simd ?? addon.simd()
  const threads = o.threads ?? addon.threads()
  return addon.gemmPlan(o.m, o.n, o.k, !!o.transA, !!o.transB, level, caches.l1d, caches.l2, caches.l3, threads)
}

/** This CPU's data cache sizes (CPUID), from which sgemm derives its blocking. */
export const cpuCaches = (): CpuCaches => addon.cpuCaches()
