#!/usr/bin/env node
// `npm run bench:kernels`: runs the kernel benchmarks (kiln beside
// the numpy/OpenBLAS peer measured in the same run) and prints them as one table.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const benches = [
  ['gemm', 'scripts/bench/gemm.ts'],
  ['conv', 'scripts/bench/conv.ts'],
]

const rows = []
for (const [name, file] of benches) {
  process.stderr.write(`running bench:${name}...\n`)
  const run = spawnSync(process.execPath, ['--conditions=kiln-src', '--import', 'tsx', file, '--json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (run.status !== 0) {
    console.error(`bench:${name} failed with exit code ${run.status}`)
    process.exit(1)
  }
  for (const line of run.stdout.split('\n')) if (line.trim()) rows.push(JSON.parse(line))
}

const describe = (r) => (r.op === 'sgemm' ? `${r.m}x${r.n}x${r.k}` : [r.layer, r.shape].filter(Boolean).join(' '))
const table = rows.map((r) => ({
  op: r.op,
  impl: r.impl ?? 'kiln',
  shape: describe(r),
  threads: r.threads ?? '',
  GFLOPS: r.gflops ?? '',
  'GB/s': r.gbps ?? '',
  ms: r.ms ?? '',
  'vs numpy': r.vs_numpy ?? '',
}))
const cols = Object.keys(table[0] ?? {})
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...table.map((r) => String(r[c]).length))]))
const line = (r) => cols.map((c) => String(r[c]).padEnd(width[c])).join('  ')
console.log(line(Object.fromEntries(cols.map((c) => [c, c]))))
console.log(cols.map((c) => '-'.repeat(width[c])).join('  '))
for (const r of table) console.log(line(r))
