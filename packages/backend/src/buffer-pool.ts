// Recycles the output arrays of native kernels. Training allocates the same sizes every
// step; a fresh 800 KB Float32Array costs a zero-fill plus ~200 first-touch page faults,
// which made a 128x784x256 GEMM 2.3x slower inside model.fit than in isolation.
// Only arrays this backend allocated, and that never escaped to user code (dataSync,
// data, arraySync all go through read/readSync), are reused.

type Pooled = Float32Array | Int32Array | Uint8Array
type Ctor = Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor

const MAX_POOLED_BYTES = 256 * 1024 * 1024
// A training step keeps a dozen same-sized intermediates alive at once (per-class
// losses, activations and their gradients); fewer slots than that drop arrays each step.
const MAX_PER_SIZE = 32

export class BufferPool {
  // Keyed by constructor then length: no string building on the per-kernel path.
  private free = new Map<Ctor, Map<number, Pooled[]>>()
  private owned = new WeakSet<Pooled>()
  private bytes = 0

  /** An array of n elements with unspecified contents; the caller must overwrite it all. */
  take<T extends Pooled>(ctor: Ctor, n: number): T {
    const reused = this.free.get(ctor)?.get(n)?.pop()
    if (reused) {
      this.bytes -= reused.byteLength
      this.owned.add(reused)
      return reused as T
    }
    const fresh = new ctor(n) as T
    this.owned.add(fresh)
    return fresh
  }

  /** Whether the array came from take() and has not escaped since. */
  isOwned(values: unknown): boolean {
    return !!values && typeof values === 'object' && this.owned.has(values as Pooled)
  }

  /** Marks an array as visible outside the backend: it is never reused. */
  escape(values: unknown): void {
    if (values && typeof values === 'object') this.owned.delete(values as Pooled)
  }

  /** Returns a disposed tensor's array to the pool when the backend owns it alone. */
  give(values: unknown): void {
    if (!values || typeof values !== 'object' || !this.owned.has(values as Pooled)) return
    const arr = values as Pooled
    this.owned.delete(arr)
    if (arr.byteLength === 0 || this.bytes + arr.byteLength > MAX_POOLED_BYTES) return
    const ctor = arr.constructor as Ctor
    let bySize = this.free.get(ctor)
    if (!bySize) this.free.set(ctor, (bySize = new Map()))
    let list = bySize.get(arr.length)
    if (!list) bySize.set(arr.length, (list = []))
    if (list.length >= MAX_PER_SIZE) return
    list.push(arr)
    this.bytes += arr.byteLength
  }

  /** Drops every pooled array (tf.disposeVariables / backend dispose). */
  clear(): void {
    this.free.clear()
    this.bytes = 0
  }
}
