// Lineage as a diagram: dataset → job/sweep → trial → model version, boxes joined by
// arrows, each box naming the thing and its id.
import { esc, figure } from './svg.js'

/** One step of the lineage: what it is and its name or id. */
export interface LineageNode {
  kind: string
  label: string
}

/** The chain left to right; undefined when there is nothing to draw. */
export function lineageDiagram(nodes: readonly LineageNode[]): string | undefined {
  if (nodes.length === 0) return undefined
  const boxW = 150
  const gap = 40
  const parts = nodes.map((n, i) => {
    const x = 10 + i * (boxW + gap)
    const arrow =
      i > 0
        ? `<line class="arrow" x1="${x - gap + 2}" x2="${x - 6}" y1="40" y2="40" stroke="#555" stroke-width="1.5"/><path d="M${x - 6},35 L${x},40 L${x - 6},45 Z" fill="#555"/>`
        : ''
    return `${arrow}<rect class="node" x="${x}" y="14" width="${boxW}" height="52" rx="6" fill="#f4f6f9" stroke="#4e79a7"/><text class="label" x="${x + boxW / 2}" y="34" text-anchor="middle">${esc(n.kind)}</text><text class="tick" x="${x + boxW / 2}" y="52" text-anchor="middle">${esc(n.label.length > 22 ? `${n.label.slice(0, 21)}…` : n.label)}</text>`
  })
  return figure('lineage', 'Lineage', 20 + nodes.length * (boxW + gap) - gap, 80, parts.join(''))
}
