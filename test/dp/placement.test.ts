// Gang placement (pure): all ranks or none, no deadlock between gangs, no starvation of
// an old gang by younger small trials, spreading over nodes, and the pending reasons.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { placeTrials, slotKey, type Demand } from '@kiln/coordinator'
import type { NodeRegistration } from '@kiln/protocol'

const place = suite('dp - gang placement')

function node(id: string, cpu: number, gpu = 0): NodeRegistration {
  return {
    v: 1,
    nodeId: id,
    name: id,
    host: id,
    version: '0.1.0',
    startedAt: 0,
    slots: [
      ...Array.from({ length: cpu }, (_, k) => ({ id: `cpu${k}`, kind: 'cpu' as const, threads: 1 })),
      ...Array.from({ length: gpu }, (_, k) => ({ id: `gpu${k}`, kind: 'gpu' as const, gpuIndex: k })),
    ],
  }
}
const demand = (trialId: string, ranks: number, createdAt: number, kind: Demand['kind'] = 'cpu'): Demand => ({
  trialId,
  kind,
  ranks,
  createdAt,
})

place('a gang gets all its slots at once, one per rank, never a slot twice', () => {
  const r = placeTrials([demand('g', 4, 1)], [node('a', 2), node('b', 2)], new Set())
  assert.is(r.placed.length, 1)
  const slots = r.placed[0]!.slots
  assert.is(slots.length, 4)
  assert.is(new Set(slots.map((s) => slotKey(s.nodeId, s.slotId))).size, 4)
  assert.is(r.waiting.size, 0)
})

place('a gang that does not fit takes nothing and says how many slots it waits for', () => {
  const used = new Set([slotKey('a', 'cpu0'), slotKey('b', 'cpu1')])
  const r = placeTrials([demand('g', 4, 1)], [node('a', 2), node('b', 2)], used)
  assert.equal(r.placed, [])
  assert.is(r.waiting.get('g'), 'waiting for 4 cpu slots, 2 free')
  const big = placeTrials([demand('h', 5, 1)], [node('a', 2), node('b', 2)], new Set())
  assert.is(big.waiting.get('h'), 'waiting for 5 cpu slots; the cluster has 4')
})

place('two gangs that each fit alone never hold half each: the older runs, the younger waits whole', () => {
  const r = placeTrials([demand('young', 3, 2), demand('old', 3, 1)], [node('a', 2), node('b', 2)], new Set())
  assert.equal(
    r.placed.map((p) => [p.trialId, p.slots.length]),
    [['old', 3]],
  )
  assert.is(r.waiting.get('young'), 'waiting for 3 cpu slots, 1 free')
})

place('while an older gang waits, younger trials of its kind do not start (it cannot starve); other kinds do', () => {
  // 4 slots, 2 busy: the old gang of 4 waits and the 2 free slots are held for it, so a
  // stream of young one-rank trials cannot keep it waiting forever.
  const used = new Set([slotKey('a', 'cpu0'), slotKey('b', 'cpu0')])
  const r = placeTrials(
    [demand('gang', 4, 1), demand('s1', 1, 2), demand('s2', 1, 3), demand('gpu', 1, 4, 'gpu')],
    [node('a', 2, 1), node('b', 2)],
    used,
  )
  assert.equal(
    r.placed.map((p) => p.trialId),
    ['gpu'],
  )
  assert.equal([...r.waiting.keys()].sort(), ['gang', 's1', 's2'])
  // Once the busy slots free up, the gang goes first, then the small trials behind it.
  const later = placeTrials([demand('gang', 4, 1), demand('s1', 1, 2)], [node('a', 3), node('b', 2)], new Set())
  assert.equal(
    later.placed.map((p) => [p.trialId, p.slots.length]),
    [
      ['gang', 4],
      ['s1', 1],
    ],
  )
})

place('ranks spread over the nodes with the most free slots, and a gpu gang only takes gpu slots', () => {
  const r = placeTrials([demand('g', 3, 1)], [node('a', 2), node('b', 2), node('c', 2)], new Set())
  assert.equal(r.placed[0]!.slots.map((s) => s.nodeId).sort(), ['a', 'b', 'c'])
  const gpu = placeTrials([demand('G', 2, 1, 'gpu')], [node('a', 4, 1), node('b', 2, 1)], new Set())
  assert.ok(gpu.placed[0]!.slots.every((s) => s.slotId.startsWith('gpu')))
  assert.equal(gpu.placed[0]!.slots.map((s) => s.nodeId).sort(), ['a', 'b'])
})

place.run()
