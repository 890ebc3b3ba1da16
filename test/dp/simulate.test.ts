// The data-parallel model behind `bench:dp -- --simulate`: no communication on one host,
// none left to wait for on ideal links, the NATS servers' links the limit for many hosts on
// slow links, and overlap hiding at most the backward pass, never the last bucket.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { allReduceMs, DEFAULT_MODEL, predictStep, simulateTable } from '../../scripts/bench/dp-simulate.js'

const sim = suite('dp - the scaling model of bench:dp --simulate')

sim('one host computes alone; ideal links leave nothing to wait for', () => {
  assert.is(predictStep(DEFAULT_MODEL, 1, 10).efficiency, 1)
  const ideal = { ...DEFAULT_MODEL, messageUs: 0, hopUs: 0 }
  for (const k of [2, 8, 64]) assert.ok(predictStep(ideal, k, 1e9).efficiency > 0.999, `${k} hosts`)
})

sim('waiting grows with hosts; at 10 Gb/s the NATS servers carry every byte and limit 64 hosts', () => {
  const rows = simulateTable(DEFAULT_MODEL, [2, 4, 8, 16, 32, 64], [10])
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.waitMs > rows[i - 1]!.waitMs, `${rows[i]!.hosts} hosts`)
  assert.is(rows.at(-1)!.limit, 'NATS server link')
  // The server link carries the ring's bytes of all its ranks, twice over routes: 2(K-1)·S·2/3.
  const bytes = 64 * 2 ** 20
  const { ms } = allReduceMs({ ...DEFAULT_MODEL, hopUs: 0 }, 64, 10, bytes)
  const serverMs = ((2 * 63 * bytes * 2) / 3 / (10e9 / 8)) * 1000
  assert.ok(Math.abs(ms - serverMs) / serverMs < 1e-9, `${ms} vs ${serverMs}`)
})

sim('overlap hides at most the backward pass, and never the last bucket', () => {
  const m = { ...DEFAULT_MODEL, overlap: true, bucketBytes: 256 * 1024 }
  const long = predictStep({ ...m, computeMs: 1e6 }, 8, 10)
  const last = allReduceMs(m, 8, 10, m.gradBytes - 3 * m.bucketBytes).ms
  assert.ok(Math.abs(long.waitMs - last) < 1e-9, `waits only for the last bucket: ${long.waitMs} vs ${last}`)
  const short = predictStep({ ...m, computeMs: 0.3 }, 8, 10)
  assert.ok(Math.abs(short.waitMs - (short.commMs - 0.2)) < 1e-9, 'hides no more than the backward pass')
})

sim.run()
