import { addon } from './addon.js'

type Raw = (...args: unknown[]) => unknown

/**
 * The synchronous and Promise-returning wrappers of one windowed kernel (conv, pool):
 * both allocate the output when the caller gives none, pass (inputs..., output, geom)
 * to the addon function `name` / `nameAsync`, and return the output.
 */
export function kernelPair<A extends { geometry: { geom: Int32Array } }>(
  name: string,
  inputs: (a: A) => Float32Array[],
  output: (a: A) => Float32Array,
): [(a: A) => Float32Array, (a: A) => Promise<Float32Array>] {
  // Looked up on each call, not here: kernelPair runs when a module is imported, and the
  // addon is opened on first use.
  const asyncName = `${name}Async`
  return [
    (a) => {
      const out = output(a)
      ;(addon[name] as Raw)(...inputs(a), out, a.geometry.geom)
      return out
    },
    async (a) => {
      const out = output(a)
      await (addon[asyncName] as Raw)(...inputs(a), out, a.geometry.geom)
      return out
    },
  ]
}
