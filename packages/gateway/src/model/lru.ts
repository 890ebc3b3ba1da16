// Which loaded versions to evict so that `need` more bytes fit in the memory budget: least
// recently used first, never one that is busy.

interface Sized {
  memoryBytes: number
  lastUsed: number
}

/** The versions to unload (LRU first); undefined when evicting every idle one is not enough. */
export function pickEvictions<T extends Sized>(
  loaded: readonly T[],
  need: number,
  budget: number,
  isBusy: (v: T) => boolean,
): T[] | undefined {
  let used = loaded.reduce((n, v) => n + v.memoryBytes, 0)
  if (used + need <= budget) return []
  const order = loaded.filter((v) => !isBusy(v)).sort((a, b) => a.lastUsed - b.lastUsed)
  const out: T[] = []
  for (const v of order) {
    out.push(v)
    used -= v.memoryBytes
    if (used + need <= budget) return out
  }
  return undefined
}
