// A pipeline's DAG as rows of a tree: each step under the last step it waits for, with the
// branch characters that draw the tree, and the other steps it waits for named beside it.
// Pure text layout, shared by the dashboard's Pipelines view and `kiln pipeline show`.

/** What the layout needs of a step. */
export interface DagNode {
  name: string
  deps: readonly string[]
}

/** One row: the step, the tree drawing before it, and the steps it also waits for. */
export interface DagRow<T extends DagNode> {
  node: T
  prefix: string
  also: string[]
}

/** The rows of the tree, roots first and each subtree in the steps' order. */
export function dagRows<T extends DagNode>(nodes: readonly T[]): DagRow<T>[] {
  const known = new Set(nodes.map((n) => n.name))
  const children = new Map<string, T[]>()
  const roots: T[] = []
  for (const n of nodes) {
    const parent = [...n.deps].reverse().find((d) => known.has(d))
    if (parent === undefined) roots.push(n)
    else children.set(parent, [...(children.get(parent) ?? []), n])
  }
  const rows: DagRow<T>[] = []
  const walk = (n: T, indent: string, last: boolean, top: boolean) => {
    const parent = [...n.deps].reverse().find((d) => known.has(d))
    rows.push({
      node: n,
      prefix: top ? '' : `${indent}${last ? '└─ ' : '├─ '}`,
      also: n.deps.filter((d) => d !== parent),
    })
    const kids = children.get(n.name) ?? []
    const next = top ? indent : `${indent}${last ? '   ' : '│  '}`
    kids.forEach((k, i) => {
      walk(k, next, i === kids.length - 1, false)
    })
  }
  for (const r of roots) walk(r, '', true, true)
  return rows
}

/** The mark of a step's state: ✓ succeeded, ■ stopped, ✗ failed or cancelled, ▶ running, · pending, - skipped. */
export function stateMark(state: string): string {
  return (
    (
      { succeeded: '✓', stopped: '■', failed: '✗', skipped: '-', cancelled: '✗', running: '▶', pending: '·' } as Record<
        string,
        string
      >
    )[state] ?? '?'
  )
}

/** A run's columns in a list of runs: its steps succeeded of all ("3/5"), and how many were cached. */
export function stepCounts(steps: readonly { state: string; cached?: boolean }[]): [string, string] {
  const done = steps.filter((s) => s.state === 'succeeded').length
  return [`${done}/${steps.length}`, String(steps.filter((s) => s.cached).length)]
}
