// Resident memory of a process and all its descendants, from /proc (Linux): what a trial's
// memory limit is held against (its sandbox puts bwrap and node between the agent and the
// trial code).
import { readFileSync } from 'node:fs'

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function children(pid: number): number[] {
  const tasks = read(`/proc/${pid}/task/${pid}/children`)
  return tasks.split(/\s+/).filter(Boolean).map(Number)
}

/** Bytes resident in `pid` and its descendants (0 for a process that is gone). */
export function processTreeRss(pid: number): number {
  let total = 0
  const seen = new Set<number>()
  const queue = [pid]
  while (queue.length) {
    const p = queue.pop()!
    if (seen.has(p)) continue
    seen.add(p)
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(read(`/proc/${p}/status`))?.[1]
    total += kb ? Number(kb) * 1024 : 0
    queue.push(...children(p))
  }
  return total
}
