#!/usr/bin/env node
// bench:cli: how long `kiln --help` and `kiln --version` take to start and exit (the issue
// asks for under 150 ms), beside bare `node -e ""` on the same machine and the development
// path (the TypeScript sources under tsx). Runs alternate, so machine load hits them alike.
//   pnpm bench:cli [-- --json] [-- --runs N]
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(fileURLToPath(import.meta.url), '..', '..', '..')
const args = process.argv.slice(2).filter((a) => a !== '--')
const json = args.includes('--json')
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 15
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`error: --runs expects a positive integer, got '${args[runsAt + 1]}'\n`)
  process.exit(2)
}

const bin = join(root, 'packages', 'cli', 'bin', 'kiln.mjs')
const main = join(root, 'packages', 'cli', 'src', 'main.ts')
const cases = [
  { name: 'node -e ""', argv: ['-e', ''] },
  { name: 'kiln --help', argv: [bin, '--help'] },
  { name: 'kiln --version', argv: [bin, '--version'] },
  { name: 'tsx sources --help', argv: ['--conditions=kiln-src', '--import', 'tsx', main, '--help'] },
]

const times = new Map(cases.map((c) => [c.name, []]))
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, c.argv, { cwd: root, stdio: 'ignore' })
    const ms = performance.now() - t0
    if (r.status !== 0) {
      process.stderr.write(`error: ${c.name} exited with ${r.status}\n`)
      process.exit(1)
    }
    times.get(c.name).push(ms)
  }
}

const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]
for (const c of cases) {
  const xs = times.get(c.name).sort((a, b) => a - b)
  const m = {
    bench: 'cli',
    name: c.name,
    runs,
    minMs: +xs[0].toFixed(1),
    medianMs: +q(xs, 0.5).toFixed(1),
    p90Ms: +q(xs, 0.9).toFixed(1),
  }
  process.stdout.write(
    json
      ? `${JSON.stringify(m)}\n`
      : `${c.name.padEnd(20)} median ${m.medianMs} ms  min ${m.minMs} ms  p90 ${m.p90Ms} ms (${runs} runs)\n`,
  )
}
