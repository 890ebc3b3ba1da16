// sgemm's blocking and kernel choice (gemmPlan) for cores this machine may not be: the
// planner is the function sgemm runs, so an AVX-512 Xeon's plan is checked here even on
// an AVX2 core, and sgemm.test.ts runs every plan kind the local levels can execute.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cpuCaches, detectedSimd, gemmPlan, setSimd, simd } from '@kiln/native'

const KiB = 1024
const MiB = 1024 * KiB
// AMD Zen 3 (EPYC 7003): 32 KiB L1d, 512 KiB L2, 32 MiB L3.
const ZEN3 = { l1d: 32 * KiB, l2: 512 * KiB, l3: 32 * MiB }
// Intel Sapphire Rapids: 48 KiB L1d, 2 MiB L2, 105 MiB L3.
const SPR = { l1d: 48 * KiB, l2: 2 * MiB, l3: 105 * MiB }

const test = suite('native - gemm plan')

test('each SIMD level gets its own microkernel; AVX-512 narrows for n <= 16', () => {
  const shape = { m: 256, n: 256, k: 784 }
  assert.is(gemmPlan({ ...shape, simd: 'scalar', caches: ZEN3 }).kernel, 'scalar-4x8')
  assert.is(gemmPlan({ ...shape, simd: 'avx2', caches: ZEN3 }).kernel, 'avx2-6x16')
  assert.is(gemmPlan({ ...shape, simd: 'avx512', caches: SPR }).kernel, 'avx512-12x32')
  assert.is(gemmPlan({ m: 128, n: 10, k: 128, simd: 'avx512', caches: SPR }).kernel, 'avx512-24x16')
  assert.is(gemmPlan({ m: 128, n: 17, k: 128, simd: 'avx512', caches: SPR }).kernel, 'avx512-12x32')
})

test('blocking follows the caches: the B block fills half of L2, the A micro-panel a quarter of L1', () => {
  const zen = gemmPlan({ m: 1024, n: 1024, k: 1024, simd: 'avx2', caches: ZEN3 })
  const spr = gemmPlan({ m: 1024, n: 1024, k: 1024, simd: 'avx512', caches: SPR })
  for (const [p, c] of [
    [zen, ZEN3],
    [spr, SPR],
  ] as const) {
    assert.ok(p.mr * p.kc * 4 <= c.l1d / 4, `A micro-panel ${p.mr}x${p.kc} within a quarter of L1`)
    assert.ok(p.kc * p.nc * 4 <= c.l2 / 2, `B block ${p.kc}x${p.nc} within half of L2`)
    assert.ok(p.kc * (p.nc + p.nr) * 4 > c.l2 / 2, 'and as wide as that allows')
    assert.is(p.nc % p.nr, 0)
    assert.is(p.kc * p.kBlocks >= 1024 && p.kc * (p.kBlocks - 1) < 1024, true)
  }
  assert.ok(spr.nc >= 3 * zen.nc, `a 2 MiB L2 takes a wider B block (${spr.nc} vs ${zen.nc})`)
})

test('the row block is whole MR panels, so the packed A block fits its buffer', () => {
  // A CNN's dense weight gradient (6272 x 256 from batch 128, TN) once got MC = 4096 rows
  // at MR = 6: its last panel packed 4 rows past the buffer and corrupted the heap.
  for (const [m, n, k, transA] of [
    [6272, 256, 128, true],
    [6272, 128, 102, true],
    [5000, 512, 64, false],
    [100_000, 64, 16, false],
  ] as const)
    for (const [simd, caches] of [
      ['avx2', ZEN3],
      ['avx512', SPR],
      ['scalar', ZEN3],
    ] as const) {
      const p = gemmPlan({ m, n, k, transA, simd, caches })
      assert.is(p.mc % p.mr, 0, `${simd} ${m}x${n}x${k}: MC ${p.mc} is not a multiple of MR ${p.mr}`)
    }
})

test('the depth splits into even blocks', () => {
  const p = gemmPlan({ m: 256, n: 256, k: 784, simd: 'avx2', caches: ZEN3 })
  assert.is(p.kc * p.kBlocks - 784 < p.kBlocks, true, `${p.kBlocks} blocks of ${p.kc}`)
})

test('A is read in place for few column panels and packed where packing pays', () => {
  const plan = (m: number, n: number, k: number, transA = false) =>
    gemmPlan({ m, n, k, transA, simd: 'avx2', caches: ZEN3 }).packA
  assert.is(plan(128, 10, 128), false, 'a 10-class layer')
  assert.is(plan(256, 256, 784), false, '16 column panels, rows 3136 bytes apart')
  assert.is(plan(1024, 1024, 1024), true, 'rows 4 KiB apart share L1 sets')
  assert.is(plan(64, 1024, 300), true, 'more than 32 column panels')
  assert.is(plan(784, 256, 128, true), true, 'transposed A beyond 4 panels')
  assert.is(plan(784, 64, 128, true), false, 'transposed A, 4 panels')
})

test('on two threads each column range is as wide as a B block allows, as on one thread', () => {
  for (const [m, n, k] of [
    [1024, 1024, 1024],
    [256, 256, 784],
    [128, 256, 784],
    [2048, 2048, 2048],
  ] as const) {
    const one = gemmPlan({ m, n, k, simd: 'avx2', caches: ZEN3, threads: 1 })
    const two = gemmPlan({ m, n, k, simd: 'avx2', caches: ZEN3, threads: 2 })
    const panels = Math.ceil(n / two.nr)
    const perBlock = two.nc / two.nr
    assert.is(two.threads, 2, `${m}x${n}x${k} uses both threads`)
    assert.is(two.colTasks % 2, 0, `${m}x${n}x${k}: ${two.colTasks} column ranges share out evenly`)
    // An A micro-panel in L1 serves a whole range: ranges as few as B blocks allow (the
    // count rounded up to the threads), each within one block.
    const fewest = Math.ceil(panels / perBlock)
    assert.ok(Math.ceil(panels / two.colTasks) <= perBlock, `${m}x${n}x${k}: a range fits a B block`)
    assert.ok(
      two.colTasks <= Math.max(2, fewest + 1),
      `${m}x${n}x${k}: ${two.colTasks} ranges where ${fewest} B blocks hold the columns`,
    )
    assert.is(one.threads, 1)
  }
})

test('small products split over two threads down to 64 K multiply-adds per thread', () => {
  const plan = (m: number, n: number, k: number, transA = false, transB = false) =>
    gemmPlan({ m, n, k, transA, transB, simd: 'avx2', caches: ZEN3, threads: 2 })
  const skinny = plan(128, 10, 128)
  assert.is(skinny.threads, 2, 'the 10-class layer (164 K multiply-adds)')
  assert.is(skinny.colTasks * skinny.rowTasks, 2, 'one column panel: its rows split in two')
  assert.is(skinny.rowTasks, 2)
  assert.is(plan(128, 10, 128, true).threads, 2, 'its weight gradient')
  assert.is(plan(128, 128, 10, false, true).colTasks, 2, 'its input gradient splits the columns')
  assert.is(plan(32, 32, 32).threads, 1, '32^3 runs inline')
  assert.is(plan(64, 32, 32).threads, 1, '64 K multiply-adds: not worth a second thread')
  assert.is(gemmPlan({ m: 1024, n: 1024, k: 1024, simd: 'avx2', caches: ZEN3, threads: 1 }).colTasks, 4)
})

test('cache sizes a hypervisor misreports are held to sane ranges', () => {
  const tiny = gemmPlan({ m: 512, n: 512, k: 512, simd: 'avx2', caches: { l1d: 1, l2: 1, l3: 1 } })
  assert.ok(tiny.kc >= 128 && tiny.nc >= tiny.nr && tiny.mc >= tiny.mr)
})

test("this CPU's plan uses the SIMD level in effect and CPUID's caches", () => {
  const caches = cpuCaches()
  assert.ok(caches.l1d >= 16 * KiB && caches.l2 >= caches.l1d && caches.l3 >= 0, JSON.stringify(caches))
  const here = gemmPlan({ m: 256, n: 256, k: 784 })
  assert.equal(here, gemmPlan({ m: 256, n: 256, k: 784, simd: simd(), caches }))
  const previous = simd()
  try {
    assert.is(setSimd('scalar'), 'scalar')
    assert.is(gemmPlan({ m: 256, n: 256, k: 784 }).kernel, 'scalar-4x8')
  } finally {
    setSimd(previous)
  }
  if (detectedSimd() !== 'scalar') assert.is.not(gemmPlan({ m: 256, n: 256, k: 784 }).kernel, 'scalar-4x8')
})

test('bad arguments name the field', () => {
  assert.throws(() => gemmPlan({ m: 4, n: 4, k: 4, simd: 'sse' as never }), /simd must be one of/)
  assert.throws(() => gemmPlan({ m: -1, n: 4, k: 4 }), /gemmPlan: m/)
  assert.throws(() => gemmPlan({ m: 4, n: 4, k: 4, threads: 0 }), /gemmPlan: threads/)
})

test.run()
