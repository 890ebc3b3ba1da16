// Issue 15/16: `kiln` is a real command. bin/kiln.mjs runs the compiled CLI (dist/, no tsx),
// and `kiln --help` / `kiln --version` load neither TensorFlow.js nor the native addon
// (traced: every module resolved, every addon opened). --version names Kiln, Node,
// nats-server and the addon's CPU kernels (fp32 and bf16) and CUDA support.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(repo, 'packages', 'cli', 'bin', 'kiln.mjs')
const TRACE = join(repo, 'test', 'cli', 'fixtures', 'trace', 'register.mjs')

const entry = suite('cli - the kiln command starts light')

/** Runs bin/kiln.mjs with the tracer; returns its output and what it loaded. */
function traced(args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-trace-'))
  const file = join(dir, 'trace.txt')
  try {
    const run = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, KILN_TRACE_FILE: file, NODE_OPTIONS: '', ...env },
      timeout: 60_000,
    })
    const loaded = readFileSync(file, 'utf8').trim().split('\n')
    return { code: run.status, stdout: run.stdout, stderr: run.stderr, loaded }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const heavy = (loaded: string[]) =>
  loaded.filter((l) => /@tensorflow|\/packages\/(backend|native|train)\/|\.node$|\/tsx\//.test(l))

entry('kiln --help runs the compiled CLI and loads neither tfjs, the addon nor tsx', () => {
  const run = traced(['--help'])
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /Usage: kiln <command>/)
  assert.ok(
    run.loaded.some((l) => l.endsWith('/packages/cli/dist/cli.js')),
    'the compiled cli.js, not the sources',
  )
  assert.equal(heavy(run.loaded), [], 'nothing heavy loaded')
  assert.not.ok(
    run.loaded.some((l) => /\/packages\/protocol\//.test(l)),
    'not even protocol (zod, msgpackr)',
  )
})

entry('kiln --version names Kiln, Node, nats-server and the addon without loading tfjs or the addon', () => {
  const run = traced(['--version'])
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /^kiln \d+\.\d+\.\d+$/m)
  assert.match(run.stdout, new RegExp(`^node ${process.versions.node}$`, 'm'))
  assert.match(run.stdout, /^nats-server 2\.\d+\.\d+$/m)
  assert.match(
    run.stdout,
    /^addon \S+kiln\.node: (scalar|avx2|avx512).* CPU kernels, bf16 (avx512bf16|widened to fp32.*|scalar pairs), (CUDA \S+ kernels|no CUDA kernels)/m,
  )
  assert.equal(heavy(run.loaded), [])
  const json = JSON.parse(traced(['--version', '--json']).stdout) as Record<string, unknown>
  assert.equal(Object.keys(json), ['kiln', 'node', 'natsServer', 'addon'])
})

entry('kiln --version says which bf16 kernels run, as the addon picks them, KILN_SIMD included', async () => {
  const { bf16Kernel, cpuHasAvx512Bf16, detectedSimd } = await import('@kiln/native')
  const said = (env: NodeJS.ProcessEnv) => {
    const json = JSON.parse(traced(['--version', '--json'], env).stdout) as { addon: { bf16Kernels: string } }
    return json.addon.bf16Kernels
  }
  const expect = (simd: 'scalar' | 'avx2' | 'avx512') => {
    const kernel = bf16Kernel({ simd, avx512bf16: cpuHasAvx512Bf16() })
    return kernel.startsWith('avx512bf16') ? 'avx512bf16' : kernel.startsWith('scalar') ? 'scalar pairs' : 'widened'
  }
  assert.is(said({ KILN_SIMD: 'scalar' }), 'scalar pairs')
  assert.ok(said({ KILN_SIMD: 'avx2' }).startsWith(expect('avx2')), said({ KILN_SIMD: 'avx2' }))
  assert.ok(said({ KILN_SIMD: '' }).startsWith(expect(detectedSimd())), said({ KILN_SIMD: '' }))
})

entry('the tracer does see tfjs and the addon where a command uses them (kiln train, one epoch of iris)', () => {
  // Importing loads tfjs; the addon opens only once a backend is registered to train.
  const spec = 'name: t\ndataset: iris\nmodel: { builtin: mlp, hidden: [4] }\ntraining: { epochs: 1, batchSize: 32 }\n'
  const dir = mkdtempSync(join(tmpdir(), 'kiln-trace-spec-'))
  try {
    writeFileSync(join(dir, 'spec.yaml'), spec)
    const run = traced(['train', join(dir, 'spec.yaml'), '--out', join(dir, 'model')])
    assert.is(run.code, 0, run.stderr)
    assert.ok(
      run.loaded.some((l) => l.includes('@tensorflow')),
      'tfjs seen',
    )
    assert.ok(
      run.loaded.some((l) => l.startsWith('dlopen') && l.endsWith('kiln.node')),
      'the addon seen',
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

entry('an unknown command is exit 2 with a guess, still from the compiled CLI', () => {
  const run = traced(['trian'])
  assert.is(run.code, 2)
  assert.match(run.stderr, /unknown command "trian"; did you mean "train"\?/)
})

entry('kiln gateway --help gives each option its own default', () => {
  const run = traced(['gateway', '--help'])
  assert.is(run.code, 0, run.stderr)
  const help = run.stdout.replace(/\n {20,}/g, ' ')
  assert.match(help, /--drift-window N +samples per drift window: .*\(default 500, at least 10\)/)
  assert.match(help, /--max-delay-us N +how long a request may wait .*\(default 0: /)
  assert.is(
    help.match(/a batch leaves as soon as a thread is free/g)?.length,
    1,
    'that default belongs to --max-delay-us alone',
  )
})

entry.run()
