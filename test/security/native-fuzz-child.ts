// The child process of native-fuzz.test.ts: calls addon functions with hostile, seeded
// arguments, so that a crash takes down this process (reported by the parent) and not the
// test runner. Usage:
//   node --conditions=kiln-src --import tsx native-fuzz-child.ts SEED ITERATIONS LASTCALL_FILE NAME...
// Before each call the call is written (synchronously) to LASTCALL_FILE, so the parent can
// name the call that crashed. Every host array is a view into an arena filled with a canary
// byte; a call that writes outside its arrays is reported even when it does not crash.
// Ends with one JSON line on stdout: {calls, errors} or {failure, call}.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { addon } from '@kiln/native'
import { uniformStream } from '../helpers/random.ts'
import { type ArgKind, DEVICE_KINDS, SIGNATURES } from './native-fuzz-signatures.ts'

const [seedArg, iterationsArg, lastCallFile, ...names] = process.argv.slice(2)
const rand = uniformStream(Number(seedArg))
const iterations = Number(iterationsArg)
const lastCall = openSync(lastCallFile!, 'w')
const raw = addon as unknown as Record<string, (...args: unknown[]) => unknown>

const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
const chance = (p: number) => rand() < p

const SMALL = [0, 1, 2, 3, 4, 6, 8, 16]
// Products of these overflow int64 (65536^4 = 2^64 wraps to 0) or exceed any buffer.
const HUGE = [65536, 65537, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 44, 2 ** 46, 2 ** 53, 2 ** 63]
const ODD = [-1, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -(2 ** 31)]
const NUMBERS = [0, 1, -1, 0.5, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, 2 ** 31]
const OPS = [-1, 0, 1, 2, 3, 4, 5, 7, 10, 100, 2 ** 31, 1.5, Number.NaN]
const WRONG: (() => unknown)[] = [
  () => undefined,
  () => null,
  () => 'x',
  () => ({}),
  () => [1, 2],
  () => new Float64Array(4),
  () => new Uint16Array(4),
  () => 1,
  () => true,
  () => new DataView(new ArrayBuffer(8)),
]

const CANARY = 0xa5
const ARENA_BYTES = 1 << 16

/** One call's host memory: views carved out of a canary-filled buffer, with gaps between. */
class Arena {
  readonly bytes = new Uint8Array(ARENA_BYTES).fill(CANARY)
  private cursor = 64
  private readonly spans: [number, number][] = []
  private last: [number, number] | undefined

  view<T extends Float32Array | Int32Array | Uint16Array | Uint8Array>(
    make: (buf: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    width: number,
  ): T {
    // Sometimes the same memory as the previous array (aliasing must be refused or safe).
    const alias = this.last !== undefined && chance(0.08)
    const offset = alias ? this.last![0] : this.cursor
    if (!alias && offset + length * width + 64 > ARENA_BYTES) return make(new ArrayBuffer(length * width), 0, length)
    const v = make(this.bytes.buffer, offset, length)
    for (let i = 0; i < length; i++) v[i] = width === 1 ? Math.floor(rand() * 3) : Math.floor(rand() * 7) - 2
    const span: [number, number] = [offset, offset + length * width]
    this.spans.push(span)
    this.last = span
    if (!alias) this.cursor = (span[1] + 64 + 3) & ~3
    return v
  }

  /** The first byte outside every view that is no longer the canary, or -1. */
  damaged(): number {
    const inside = new Uint8Array(ARENA_BYTES)
    for (const [a, b] of this.spans) inside.fill(1, a, b)
    for (let i = 0; i < ARENA_BYTES; i++) if (!inside[i] && this.bytes[i] !== CANARY) return i
    return -1
  }
}

interface Device {
  stream: unknown
  buffers: unknown[]
}

function openDevice(): Device | undefined {
  if (addon.deviceCount() === 0) return undefined
  const stream = raw.cudaStreamCreate!(0)
  const buffers = [0, 4, 16, 64, 256, 4096].map((bytes) => raw.cudaAlloc!(stream, bytes))
  const freed = raw.cudaAlloc!(stream, 16)
  raw.cudaFree!(freed)
  return { stream, buffers: [...buffers, freed] }
}

const device = openDevice()

function arrayLength(evil: boolean): number {
  if (evil) return pick([0, 0, 1])
  return chance(0.3) ? 0 : chance(0.7) ? pick(SMALL) : pick([24, 32, 64])
}

// Powers of two whose products wrap int64 to exactly 0.
const WRAPS = [65536, 2 ** 32, 2 ** 40, 2 ** 44]

function size(evil: boolean): number {
  if (evil) return chance(0.5) ? pick(WRAPS) : chance(0.6) ? pick(HUGE) : pick([0, 1])
  return chance(0.6) ? pick(SMALL) : chance(0.6) ? pick(HUGE) : pick(ODD)
}

// The rank of the last shape drawn: begin/size/perm/reps of an evil call match it.
let lastRank = 0

function shape(evil: boolean): Int32Array {
  if (evil) {
    const dims = pick([
      [65536, 65536, 65536, 65536],
      [65536, 65536, 65536, 65536, 3],
      [2 ** 31 - 1, 2 ** 31 - 1, 4],
    ])
    const s = Int32Array.from(chance(0.5) ? dims : [...dims, 1])
    lastRank = s.length
    return s
  }
  const rank = pick([0, 1, 1, 2, 2, 3, 4, 8, 9])
  lastRank = rank
  return Int32Array.from({ length: rank }, () => (chance(0.8) ? pick([0, 1, 2, 3, 4]) : pick([65536, 2 ** 31 - 1, -1])))
}

function ints(evil: boolean): Int32Array {
  if (evil) return Int32Array.from({ length: lastRank }, () => pick([0, 1, 1, 1, 1, -1]))
  return Int32Array.from({ length: pick([0, 1, 2, 3, 4, 8]) }, () =>
    pick([-1, 0, 1, 2, 3, 65536, 2 ** 31 - 1, -(2 ** 31)]),
  )
}

function geometry(count: number, evil: boolean): Int32Array {
  const length = chance(0.1) ? pick([0, count - 1, count + 1]) : count
  return Int32Array.from({ length }, () =>
    evil ? pick([65536, 2 ** 31 - 1, 1, 0]) : chance(0.8) ? pick([0, 1, 1, 2, 3]) : pick([65536, 2 ** 31 - 1, -1]),
  )
}

// gbdt params (kiln/gbdt.h order), each sometimes replaced by a hostile value.
const GBDT_PARAMS = [1, 1, 0.1, 4, 0, 1, 0, 16, 1, 1, 1, 1e3, 7]

function gbdtParams(): Float64Array {
  const length = chance(0.1) ? pick([0, 12, 14]) : 13
  return Float64Array.from({ length }, (_, i) => (chance(0.15) ? pick([...NUMBERS, ...OPS, ...HUGE]) : GBDT_PARAMS[i]!))
}

// A small trained booster: 8 rows, 2 features, early stopping after one round without a
// (1e3) improvement, so hostile round counts stay quick.
function booster(): unknown {
  const x = Float32Array.from({ length: 16 }, (_, i) => (i * 7) % 5)
  const y = Float32Array.from({ length: 8 }, (_, i) => i % 2)
  return raw.gbdtCreate!(x, 8, 2, y, x, 8, y, Float64Array.from(GBDT_PARAMS))
}

// A compiled-step spec (kiln/train_step.h): a 4-8-2 dense model with dropout, values
// sometimes replaced by hostile ones, or the wrong length.
const STEP_SPEC = [
  4,
  3,
  0,
  1e-7,
  1,
  2,
  0,
  0,
  ...[0, 4, 8, 1, 0, 0, 1, -1, ...new Array(16).fill(0)],
  ...[1, 8, 8, 0, 0, -1, -1, 0, ...new Array(16).fill(0)],
  ...[0, 8, 2, 0, 1, 2, 3, -1, ...new Array(16).fill(0)],
]
const STEP_PARAMS = [32, 8, 16, 2]

function stepSpec(evil: boolean): Float64Array {
  const length = chance(0.1) ? pick([0, 7, STEP_SPEC.length - 1, STEP_SPEC.length + 24]) : STEP_SPEC.length
  return Float64Array.from({ length }, (_, i) =>
    chance(evil ? 0.3 : 0.05) ? pick([...NUMBERS, ...OPS, ...HUGE, -1, 65536, 2 ** 31 - 1]) : (STEP_SPEC[i] ?? 0),
  )
}

function f64(evil: boolean): Float64Array {
  if (chance(0.7))
    return Float64Array.from(STEP_PARAMS, (v) => (chance(evil ? 0.3 : 0.05) ? pick([...HUGE, -1, 0]) : v))
  return Float64Array.from({ length: pick([0, 1, 4, 6, 7]) }, () => pick(NUMBERS))
}

function step(): unknown {
  return raw.trainStepCreate!(Float64Array.from(STEP_SPEC), Float64Array.from(STEP_PARAMS))
}

function f32List(arena: Arena, evil: boolean): unknown[] {
  return Array.from({ length: pick([0, 1, 2, 4, 8]) }, () =>
    chance(0.9) ? hostArray(arena, 'f32', evil) : pick(WRONG)(),
  )
}

function hostArray(arena: Arena, type: 'f32' | 'i32' | 'u16' | 'u8', evil: boolean) {
  const n = arrayLength(evil)
  if (type === 'f32') return arena.view((b, o, l) => new Float32Array(b, o, l), n, 4)
  if (type === 'i32') return arena.view((b, o, l) => new Int32Array(b, o, l), n, 4)
  if (type === 'u16') return arena.view((b, o, l) => new Uint16Array(b, o, l), n, 2)
  return arena.view((b, o, l) => new Uint8Array(b, o, l), n, 1)
}

function deviceValue(kind: ArgKind): unknown {
  if (!device) return {}
  if (kind === 'ownStream') return raw.cudaStreamCreate!(0)
  if (kind === 'ownBuf') return raw.cudaAlloc!(device.stream, pick([0, 4, 64]))
  if (kind === 'stream') return chance(0.95) ? device.stream : pick(device.buffers)
  if (kind === 'operand' && chance(0.3)) return pick(NUMBERS)
  if (kind === 'buf?' && chance(0.3)) return null
  return chance(0.97) ? pick(device.buffers) : device.stream
}

function value(kind: ArgKind, arena: Arena, evil: boolean): unknown {
  if (chance(0.04)) return pick(WRONG)()
  if (DEVICE_KINDS.has(kind)) return deviceValue(kind)
  switch (kind) {
    case 'f32':
    case 'i32':
    case 'u16':
    case 'u8':
      return hostArray(arena, kind, evil)
    case 'f32?':
    case 'u8?':
      return chance(0.3) ? null : hostArray(arena, kind === 'f32?' ? 'f32' : 'u8', evil)
    case 'f32|i32':
      return hostArray(arena, chance(0.5) ? 'f32' : 'i32', evil)
    case 'typed':
      return hostArray(arena, pick(['f32', 'i32', 'u8'] as const), evil)
    case 'shape':
      return shape(evil)
    case 'ints':
      return ints(evil)
    case 'size':
      return size(evil)
    case 'threads':
      return pick([0, 1, 2, 3, -1, 1.5, Number.NaN, 2 ** 31, 1025])
    case 'num':
      return pick(NUMBERS)
    case 'bool':
      return chance(0.5)
    case 'op':
      return pick(OPS)
    case 'dtype':
      return pick([0, 1, 2, 3, -1])
    case 'geom15':
      return geometry(15, evil)
    case 'geom12':
      return geometry(12, evil)
    case 'gbdtParams':
      return gbdtParams()
    case 'booster':
      return chance(0.95) ? booster() : {}
    case 'stepSpec':
      return stepSpec(evil)
    case 'f64':
      return f64(evil)
    case 'step':
      return chance(0.95) ? step() : {}
    case 'f32[]':
      return f32List(arena, evil)
    case 'fn':
      return chance(0.9) ? () => undefined : pick(WRONG)()
    case 'simd':
      return pick(['scalar', 'avx2', 'avx512', 'bogus', ''])
    case 'device':
      return pick([0, 0, 0, 1, -1, 1024, 1.5, Number.NaN])
    default:
      throw new Error(`native-fuzz: no generator for ${kind}`)
  }
}

function describe(name: string, args: unknown[]): string {
  const show = (a: unknown): string => {
    if (ArrayBuffer.isView(a) && !(a instanceof DataView)) {
      const t = a as Float32Array | Int32Array | Uint8Array
      const contents = t instanceof Int32Array && t.length <= 16 ? `[${Array.from(t)}]` : `(${t.length})`
      return `${t.constructor.name}${contents}@${t.byteOffset}`
    }
    if (typeof a === 'number') return Object.is(a, -0) ? '-0' : String(a)
    if (typeof a === 'string') return JSON.stringify(a)
    if (a === null || a === undefined || typeof a === 'boolean') return String(a)
    return Array.isArray(a) ? 'Array' : typeof a === 'object' ? (a.constructor?.name ?? 'object') : typeof a
  }
  return `${name}(${args.map(show).join(', ')})`
}

function acceptable(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError) return true
  const e = err as { name?: string; code?: string }
  return e?.name === 'KilnNativeError' && e.code !== 'INTERNAL'
}

function fail(failure: string, call: string): never {
  process.stdout.write(`${JSON.stringify({ failure, call })}\n`)
  process.exit(1)
}

const errors: Record<string, number> = {}
let calls = 0
for (const name of names) {
  const kinds = SIGNATURES[name]
  const fn = raw[name]
  if (!kinds || !fn) fail(`no signature or no export for ${name}`, name)
  const deviceOnly = kinds.some((k) => DEVICE_KINDS.has(k))
  const rounds = deviceOnly && !device ? Math.min(iterations, 20) : iterations
  for (let i = 0; i < rounds; i++) {
    const arena = new Arena()
    const evil = chance(0.4)
    const args = kinds.map((k) => value(k, arena, evil))
    const call = describe(name, args)
    ftruncateSync(lastCall, 0)
    writeSync(lastCall, call, 0)
    calls++
    try {
      const result = fn(...args)
      if (result instanceof Promise) await result
      errors.none = (errors.none ?? 0) + 1
    } catch (err) {
      if (!acceptable(err)) fail(`unexpected ${(err as Error)?.name}: ${(err as Error)?.message}`, call)
      const key = `${(err as Error).name}${(err as { code?: string }).code ? `:${(err as { code?: string }).code}` : ''}`
      errors[key] = (errors[key] ?? 0) + 1
    }
    const at = arena.damaged()
    if (at >= 0) fail(`wrote outside its arrays (arena byte ${at})`, call)
  }
}
if (device) raw.cudaStreamSync!(device.stream)
closeSync(lastCall)
process.stdout.write(`${JSON.stringify({ calls, errors })}\n`)
