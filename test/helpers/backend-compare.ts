// Runs the same tfjs computation on the reference "cpu" backend and on "kiln" with
// identical (seeded) inputs and compares the outputs element by element, naming the worst
// element on failure. Also records which native kernels ran on their native path, so a
// suite can assert it covers every kernel that nativeKernelNames() declares.
import * as tf from '@tensorflow/tfjs'
import { getKernel, type KernelFunc } from '@tensorflow/tfjs-core'
import { KilnBackend, nativeKernelNames, registerKilnBackends } from '@kiln/backend'
import { randomFloats } from './random.js'
import { randomInts } from './float32.js'

export type BackendName = 'cpu' | 'kiln' | 'kiln-cuda'

// tfjs's own test mode: every kernel call is checked for leaked data ids (a native kernel
// that allocates and drops a buffer fails at once), and the cpu backend's banner is off.
tf.env().set('IS_TEST', true)

/** Element i passes when |kiln - cpu| <= atol + rtol * |cpu| (NaN must meet NaN, infinities match exactly). */
export interface Tol {
  rtol: number
  atol: number
}

export const EXACT: Tol = { rtol: 0, atol: 0 }

/** One output read back to host memory. */
export interface Snapshot {
  label: string
  shape: number[]
  dtype: string
  values: ArrayLike<number>
}

/** The worst element of a comparison: its excess is |diff| / allowed (> 1 fails). */
export interface Worst {
  label: string
  index: number
  cpu: number
  kiln: number
  diff: number
  excess: number
}

/** Every tensor in a result (a tensor, an array, or a name map, nested), labelled by its path. */
export function tensorsOf(out: unknown, label = 'out'): [string, tf.Tensor][] {
  if (out instanceof tf.Tensor) return [[label, out]]
  if (Array.isArray(out)) return out.flatMap((o, i) => tensorsOf(o, `${label}[${i}]`))
  if (out && typeof out === 'object') return Object.entries(out).flatMap(([k, o]) => tensorsOf(o, `${label}.${k}`))
  return []
}

/** Makes `backend` the active one (cpu, kiln and kiln-cuda initialise synchronously) and checks that it took. */
export function switchBackend(backend: BackendName): void {
  registerKilnBackends()
  void tf.setBackend(backend)
  if (tf.getBackend() !== backend || tf.backend() instanceof KilnBackend !== (backend === 'kiln'))
    throw new Error(`could not switch to the ${backend} backend (active: ${tf.getBackend()})`)
}

/** Runs fn with `backend` active and reads back every tensor it returns (all disposed after). */
export function runOn(backend: BackendName, fn: () => unknown): Snapshot[] {
  switchBackend(backend)
  let labels: string[] = []
  const out = tf.tidy(() => {
    const pairs = tensorsOf(fn())
    labels = pairs.map(([l]) => l)
    return pairs.map(([, t]) => t)
  })
  try {
    return out.map((t, i) => ({
      label: labels[i]!,
      shape: [...t.shape],
      dtype: t.dtype,
      values: t.dataSync() as ArrayLike<number>,
    }))
  } finally {
    tf.dispose(out)
  }
}

function excessOf(cpu: number, kiln: number, tol: Tol): number {
  if (Number.isNaN(cpu) || Number.isNaN(kiln)) return Number.isNaN(cpu) && Number.isNaN(kiln) ? 0 : Infinity
  if (!Number.isFinite(cpu) || !Number.isFinite(kiln)) return cpu === kiln ? 0 : Infinity
  const diff = Math.abs(kiln - cpu)
  if (diff === 0) return 0
  const allowed = tol.atol + tol.rtol * Math.abs(cpu)
  return allowed === 0 ? Infinity : diff / allowed
}

/**
 * Compares two sets of outputs; throws naming the worst element when any is out of
 * tolerance. `cpu` is the reference (refName names it in messages).
 */
export function compareSnapshots(
  what: string,
  cpu: Snapshot[],
  kiln: Snapshot[],
  tol: Tol,
  refName = 'cpu',
): Worst | undefined {
  if (cpu.length !== kiln.length) throw new Error(`${what}: ${refName} gave ${cpu.length} outputs, kiln ${kiln.length}`)
  let worst: Worst | undefined
  cpu.forEach((c, o) => {
    const k = kiln[o]!
    if (c.dtype !== k.dtype) throw new Error(`${what} ${c.label}: dtype ${refName} ${c.dtype}, kiln ${k.dtype}`)
    if (c.shape.join() !== k.shape.join())
      throw new Error(`${what} ${c.label}: shape ${refName} [${c.shape}], kiln [${k.shape}]`)
    for (let i = 0; i < c.values.length; i++) {
      const a = c.values[i]!,
        b = k.values[i]!
      const excess = excessOf(a, b, tol)
      if (!worst || excess > worst.excess)
        worst = { label: c.label, index: i, cpu: a, kiln: b, diff: Math.abs(a - b), excess }
    }
  })
  if (worst && worst.excess > 1) {
    const shape = cpu.find((s) => s.label === worst!.label)!.shape
    throw new Error(
      `${what}: ${worst.label}[${coords(worst.index, shape)}] ${refName} ${worst.cpu}, kiln ${worst.kiln}, ` +
        `|diff| ${worst.diff.toExponential(3)} > atol ${tol.atol} + rtol ${tol.rtol} * |${refName}| (${worst.excess.toFixed(1)}x)`,
    )
  }
  return worst
}

function coords(index: number, shape: number[]): string {
  const out: number[] = []
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(index % shape[d]!)
    index = Math.floor(index / shape[d]!)
  }
  return out.join(',')
}

/**
 * Runs fn on cpu and on kiln (fn must build its inputs itself, from seeds, so both runs
 * see the same numbers) and compares everything it returns within tol.
 */
export function compareBackends(
  what: string,
  fn: () => unknown,
  tol: Tol,
  target: BackendName = 'kiln',
): Worst | undefined {
  const cpu = runOn('cpu', fn)
  const kiln = runOn(target, fn)
  if (cpu.length === 0) throw new Error(`${what}: returned no tensors`)
  return compareSnapshots(what, cpu, kiln, tol)
}

/** Seeded uniform float32 tensor in [lo, hi), built on the active backend. */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(randomFloats(size, seed, lo, hi), shape, 'float32')
}

/** rand() typed as the rank-4 (NHWC or NCHW) tensor conv and pool ops take. */
export const rand4 = (shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor4D =>
  rand(shape, seed, lo, hi) as tf.Tensor4D

/** Seeded int32 tensor with values in [lo, hi). */
export function randInt(shape: number[], seed: number, lo: number, hi: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(randomInts(size, seed, lo, hi), shape, 'int32')
}

/** Seeded bool tensor (about half true). */
export function randBool(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(Uint8Array.from(randomInts(size, seed, 0, 2)), shape, 'bool')
}

/** Seeded float32 tensor of whole numbers in [lo, hi): ties for comparisons and argMax. */
export function randSteps(shape: number[], seed: number, lo: number, hi: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(Float32Array.from(randomInts(size, seed, lo, hi)), shape, 'float32')
}

// ---- native kernel coverage ---------------------------------------------------------

/**
 * The native kernels kernels-nn.test.ts covers; kernels-elementwise.test.ts covers every
 * other name in nativeKernelNames(), so a new native kernel without a test fails there.
 */
export const NN_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPool',
  'AvgPool',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Softmax',
  'FusedBatchNorm',
] as const

/** Native kernels that ran their native code, and those that handed their inputs to the cpu kernel. */
export const kernelHits = { native: new Set<string>(), fallback: new Set<string>() }
let tracking = false

/**
 * Wraps every native kiln kernel (and the cpu kernel it falls back to) so kernelHits
 * says which ran natively. A call counts as native when its cpu kernel was not invoked
 * with the kiln backend during it.
 */
export function trackNativeKernels(): void {
  if (tracking) return
  tracking = true
  registerKilnBackends()
  let fellBack = false
  for (const name of nativeKernelNames()) {
    const cpu = getKernel(name, 'cpu')
    if (cpu) {
      const f = cpu.kernelFunc
      cpu.kernelFunc = ((args) => {
        if (args.backend instanceof KilnBackend) fellBack = true
        return f(args)
      }) as KernelFunc
    }
    const kiln = getKernel(name, 'kiln')
    if (!kiln) throw new Error(`native kernel ${name} is not registered for kiln`)
    const g = kiln.kernelFunc
    kiln.kernelFunc = ((args) => {
      const outer = fellBack
      fellBack = false
      try {
        const out = g(args)
        ;(fellBack ? kernelHits.fallback : kernelHits.native).add(name)
        return out
      } finally {
        fellBack = outer
      }
    }) as KernelFunc
  }
}

/** Kernel names of a tf.profile result, without op scopes (`fusedMatMul__op`) and unnamed scopes. */
export function profiledKernels(info: Awaited<ReturnType<typeof tf.profile>>): Set<string> {
  return new Set(info.kernelNames.filter((n) => n !== '' && !n.endsWith('__op')))
}
