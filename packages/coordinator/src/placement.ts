// Placement: which pending trial goes to which free slot. Pure (the leader supplies the
// live nodes and what is in use), so the rules are testable without a cluster.
import type { NodeRegistration, SlotKind } from '@kiln/protocol'

/** What a trial needs: `ranks` slots of one kind, all at once (gang placement). */
export interface Demand {
  trialId: string
  kind: SlotKind
  ranks: number
  /** Earlier first; FIFO within what fits. */
  createdAt: number
}

export interface SlotRef {
  nodeId: string
  slotId: string
}

export interface PlacementResult {
  placed: Array<{ trialId: string; slots: SlotRef[] }>
  /** Why each trial that was not placed waits. */
  waiting: Map<string, string>
  /** The waiting trials that fit the cluster and only queue for busy slots to free up. */
  queued: Set<string>
}

/**
 * Places demands oldest first onto free slots of live nodes, spreading over the least busy
 * nodes. A gang gets all its slots or none; a gang that does not fit does not hold slots
 * back from smaller demands behind it, except that once an older gang waits, younger
 * demands may only use slots that would remain after it (so it cannot starve forever).
 */
export function placeTrials(
  demands: readonly Demand[],
  nodes: readonly NodeRegistration[],
  used: ReadonlySet<string>,
): PlacementResult {
  const free = new Map<string, Array<SlotRef & { kind: SlotKind }>>()
  for (const node of nodes) {
    for (const slot of node.slots) {
      if (used.has(slotKey(node.nodeId, slot.id))) continue
      const list = free.get(slot.kind) ?? []
      list.push({ nodeId: node.nodeId, slotId: slot.id, kind: slot.kind })
      free.set(slot.kind, list)
    }
  }
  const total = new Map<SlotKind, number>()
  for (const node of nodes) for (const slot of node.slots) total.set(slot.kind, (total.get(slot.kind) ?? 0) + 1)

  const reserved = new Map<SlotKind, number>()
  const result: PlacementResult = { placed: [], waiting: new Map(), queued: new Set() }
  for (const d of [...demands].sort((a, b) => a.createdAt - b.createdAt || a.trialId.localeCompare(b.trialId))) {
    const pool = free.get(d.kind) ?? []
    const available = pool.length - (reserved.get(d.kind) ?? 0)
    if ((total.get(d.kind) ?? 0) < d.ranks) {
      result.waiting.set(
        d.trialId,
        `waiting for ${d.ranks} ${d.kind} slot${d.ranks > 1 ? 's' : ''}; the cluster has ${total.get(d.kind) ?? 0}`,
      )
      continue
    }
    if (available < d.ranks) {
      result.waiting.set(
        d.trialId,
        `waiting for ${d.ranks} ${d.kind} slot${d.ranks > 1 ? 's' : ''}, ${Math.max(0, pool.length)} free`,
      )
      result.queued.add(d.trialId)
      // Hold what is free for this older demand so younger ones do not starve it.
      reserved.set(d.kind, (reserved.get(d.kind) ?? 0) + Math.min(d.ranks, Math.max(0, available)))
      continue
    }
    const slots = takeSpread(pool, d.ranks)
    result.placed.push({ trialId: d.trialId, slots: slots.map(({ nodeId, slotId }) => ({ nodeId, slotId })) })
  }
  return result
}

// Picks `n` slots, each from the node with the most free slots left, so trials spread
// across nodes (one node's loss then costs fewer trials).
function takeSpread(pool: Array<SlotRef & { kind: SlotKind }>, n: number): SlotRef[] {
  const out: SlotRef[] = []
  for (let k = 0; k < n; k++) {
    const perNode = new Map<string, number>()
    for (const s of pool) perNode.set(s.nodeId, (perNode.get(s.nodeId) ?? 0) + 1)
    let best = 0
    for (let i = 1; i < pool.length; i++) {
      if (perNode.get(pool[i]!.nodeId)! > perNode.get(pool[best]!.nodeId)!) best = i
    }
    out.push(pool.splice(best, 1)[0]!)
  }
  return out
}

/** The key of a slot in the `used` set. */
export function slotKey(nodeId: string, slotId: string): string {
  return `${nodeId}/${slotId}`
}
