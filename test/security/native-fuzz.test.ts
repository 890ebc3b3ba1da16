// Issue 13, finding 5: every exported native function, called with overflowing, negative,
// zero and mismatched sizes (seeded), refuses them with a TypeError, RangeError or
// KilnNativeError and never crashes or writes outside its arrays. The calls run in child
// processes (native-fuzz-child.ts), so a crash is a failure naming the call, not a dead
// runner. KILN_FUZZ_SEED and KILN_FUZZ_ITERATIONS (calls per function) vary the run.
// The finding's three reproductions are native-overflow.test.ts.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { addon } from '@kiln/native'
import { SIGNATURES } from './native-fuzz-signatures.ts'

const test = suite('security - native fuzz')
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 13)
const ITERATIONS = Number(process.env.KILN_FUZZ_ITERATIONS ?? 500)
const CHILD = fileURLToPath(new URL('./native-fuzz-child.ts', import.meta.url))
const BATCHES = 4

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  lastCall: string
}

async function runChild(seed: number, names: string[], dir: string): Promise<Outcome> {
  const lastCallFile = join(dir, `last-${seed}`)
  const child = spawn(
    process.execPath,
    ['--conditions=kiln-src', '--import', 'tsx', CHILD, String(seed), String(ITERATIONS), lastCallFile, ...names],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
  // Generous: the whole batch is fast, but this machine may be loaded.
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok) =>
    child.on('close', (c, s) => ok([c, s])),
  )
  clearTimeout(timer)
  const lastCall = await readFile(lastCallFile, 'utf8').catch(() => '')
  return { code, signal, stdout, stderr, lastCall }
}

test('every export has a signature, and every signature an export', () => {
  const exported = Object.keys(addon).sort()
  const known = Object.keys(SIGNATURES).sort()
  assert.equal(
    exported.filter((n) => !known.includes(n)),
    [],
    'exports without a signature in native-fuzz-signatures.ts',
  )
  assert.equal(
    known.filter((n) => !exported.includes(n)),
    [],
    'signatures of functions the addon does not export',
  )
})

test('hostile arguments never crash a native function or write outside its arrays', async () => {
  const names = Object.keys(SIGNATURES).sort()
  const dir = await mkdtemp(join(tmpdir(), 'kiln-fuzz-'))
  const failures: string[] = []
  let calls = 0
  try {
    const batches = Array.from({ length: BATCHES }, (_, b) => names.filter((_, i) => i % BATCHES === b))
    for (let b = 0; b < batches.length; b++) {
      let todo = batches[b]!
      // A crash costs the function that crashed; the rest of its batch runs in a new child.
      while (todo.length > 0) {
        const seed = SEED * 1000 + b * 100 + (batches[b]!.length - todo.length)
        const out = await runChild(seed, todo, dir)
        const last = out.stdout.trim().split('\n').at(-1) ?? ''
        if (out.code === 0) {
          calls += (JSON.parse(last) as { calls: number }).calls
          break
        }
        const report = last.startsWith('{"failure"') ? (JSON.parse(last) as { failure: string; call: string }) : null
        const call = report?.call ?? out.lastCall
        const why = report?.failure ?? `crashed (${out.signal ?? `exit ${out.code}`}) ${out.stderr.slice(-300)}`
        failures.push(`${call}: ${why} [seed ${seed}]`)
        const at = todo.findIndex((n) => call.startsWith(`${n}(`))
        todo = at < 0 ? [] : todo.slice(at + 1)
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  assert.equal(failures, [], `native calls that failed badly:\n${failures.join('\n')}`)
  assert.ok(calls >= ITERATIONS * 10, `only ${calls} calls ran`)
})

test.run()
