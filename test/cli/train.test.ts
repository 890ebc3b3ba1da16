import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loud } from '../helpers/hooks.js'
import { tempDir, writeCsvBlobs } from '../train/synthetic.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const MAIN = join(repo, 'packages', 'cli', 'src', 'main.ts')
const BIN = join(repo, 'packages', 'cli', 'bin', 'kiln.mjs')
const TSX = import.meta.resolve('tsx')
const TIMEOUT_MS = 60_000

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function start(args: string[], cwd: string, viaBin = false): ChildProcess {
  const argv = viaBin ? [BIN, ...args] : ['--conditions=kiln-src', '--import', TSX, MAIN, ...args]
  return spawn(process.execPath, argv, {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs the CLI to the end (bounded by TIMEOUT_MS) and collects its output. */
function kiln(
  args: string[],
  cwd: string,
  options: { viaBin?: boolean; onStdoutLine?: (line: string, child: ChildProcess) => void } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = start(args, cwd, options.viaBin)
    let stdout = ''
    let stderr = ''
    let pending = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kiln ${args.join(' ')} did not finish in ${TIMEOUT_MS} ms\n${stdout}\n${stderr}`))
    }, TIMEOUT_MS)
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d
      pending += d
      let nl: number
      while ((nl = pending.indexOf('\n')) >= 0) {
        options.onStdoutLine?.(pending.slice(0, nl), child)
        pending = pending.slice(nl + 1)
      }
    })
    child.stderr!.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

function noStack(text: string): void {
  assert.not.match(text, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace expected in:\n${text}`)
}

const SPEC = `name: cli-blobs
dataset: ./blobs.csv
model: { builtin: mlp, hidden: [16] }
optimizer: { name: adam, learningRate: 0.01 }
training: { epochs: 2, batchSize: 32 }
`

const cli = suite('cli - kiln train')
let tmp: { dir: string; remove: () => void }
cli.before(
  loud(() => {
    tmp = tempDir('kiln-cli-')
    writeCsvBlobs(tmp.dir, 400, 6, 3)
    writeFileSync(join(tmp.dir, 'job.yaml'), SPEC)
    writeFileSync(
      join(tmp.dir, 'bad.yaml'),
      SPEC.replace('batchSize: 32', 'batchSize: -3, epoch: 2').replace('name: cli-blobs', 'name: Bad_Name'),
    )
    writeFileSync(
      join(tmp.dir, 'long.yaml'),
      SPEC.replace('epochs: 2', 'epochs: 500').replace('name: cli-blobs', 'name: long'),
    )
  }),
)
cli.after(() => tmp.remove())

cli('kiln --help lists the commands and exits 0; bare kiln exits 2', async () => {
  const help = await kiln(['--help'], tmp.dir)
  assert.is(help.code, 0)
  assert.match(help.stdout, /Usage: kiln <command> \[options\]/)
  assert.match(help.stdout, /^ {2}train {2,}train a model on this machine/m)
  const bare = await kiln([], tmp.dir)
  assert.is(bare.code, 2)
  assert.match(bare.stdout, /Usage: kiln/)
})

cli('kiln train --help describes the flags and exits 0', async () => {
  const run = await kiln(['train', '--help'], tmp.dir)
  assert.is(run.code, 0)
  for (const flag of ['-o, --out DIR', '-s, --set KEY=VALUE', '--json']) assert.ok(run.stdout.includes(flag), flag)
})

cli('a bad spec exits 2, lists every field problem, and prints no stack trace', async () => {
  const run = await kiln(['train', 'bad.yaml'], tmp.dir)
  assert.is(run.code, 2)
  assert.match(run.stderr, /^kiln train: .*bad\.yaml: invalid job spec \(3 problems\):$/m)
  assert.ok(
    run.stderr.includes(
      '  - name: expected a name of 1-63 lowercase letters, digits and dashes, like "fashion-mlp", got "Bad_Name"',
    ),
  )
  assert.ok(run.stderr.includes('  - training.batchSize: expected a positive integer, got -3'))
  assert.ok(run.stderr.includes('  - training.epoch: unknown key (did you mean "epochs"?)'))
  noStack(run.stderr)
})

cli('bad flags, a missing spec and an unknown command exit 2 with a hint', async () => {
  const flag = await kiln(['train', 'job.yaml', '--sett', 'x=1'], tmp.dir)
  assert.is(flag.code, 2)
  assert.match(flag.stderr, /kiln train: unknown option --sett; did you mean --set\? \(see kiln train --help\)/)
  const none = await kiln(['train'], tmp.dir)
  assert.is(none.code, 2)
  assert.match(none.stderr, /expected one spec file \(kiln train SPEC\), got none/)
  const missing = await kiln(['train', 'nope.yaml'], tmp.dir)
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /nope\.yaml: invalid job spec \(1 problem\):\n {2}- no such file/)
  const set = await kiln(['train', 'job.yaml', '--set', 'training.epochs=zero', '--set', 'oops'], tmp.dir)
  assert.is(set.code, 2)
  assert.match(set.stderr, /--set: expected key=value, like training\.epochs=2, got "oops"/)
  const typo = await kiln(['trian'], tmp.dir)
  assert.is(typo.code, 2)
  assert.match(typo.stderr, /unknown command "trian"; did you mean "train"\?/)
  const here = await kiln(['train', 'job.yaml', '--out', '.'], tmp.dir)
  assert.is(here.code, 2)
  assert.match(
    here.stderr,
    /exists and is not a model directory \(no model\.json or gbdt\.json\); pick another path or remove it/,
  )
  assert.ok(existsSync(join(tmp.dir, 'job.yaml')), 'the directory is untouched')
  for (const r of [flag, none, missing, set, typo, here]) noStack(r.stderr)
})

cli('--set overrides are validated like the spec', async () => {
  const run = await kiln(['train', 'job.yaml', '--set', 'training.epochs=0', '--set', 'model.hiden=[4]'], tmp.dir)
  assert.is(run.code, 2)
  assert.ok(run.stderr.includes('job.yaml with --set: invalid job spec (2 problems)'), run.stderr)
  assert.ok(run.stderr.includes('  - model.hiden: unknown key (did you mean "hidden"?)'))
  assert.ok(run.stderr.includes('  - training.epochs: expected a positive integer, got 0'))
})

cli('a quick training with --json prints start, one event per epoch and done', async () => {
  const run = await kiln(['train', 'job.yaml', '--json', '--out', 'out/m', '--set', 'training.epochs=3'], tmp.dir)
  assert.is(run.code, 0, run.stderr)
  const events = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; [k: string]: unknown })
  assert.equal(
    events.map((e) => e.event),
    ['start', 'epoch', 'epoch', 'epoch', 'done'],
  )
  assert.equal(events[0]!.counts, { train: 324, validation: 36, test: 40 })
  const epoch = events[1] as unknown as { epoch: number; epochs: number; metrics: Record<string, number> }
  assert.equal([epoch.epoch, epoch.epochs], [1, 3])
  assert.equal(Object.keys(epoch.metrics).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss'])
  const done = events[4] as unknown as { modelDir: string; metrics: { test: { accuracy: number } }; epochsRun: number }
  assert.is(done.modelDir, join(tmp.dir, 'out', 'm'))
  assert.is(done.epochsRun, 3)
  assert.type(done.metrics.test.accuracy, 'number')
  assert.ok(existsSync(join(tmp.dir, 'out', 'm', 'kiln-model.json')))
})

cli('without a TTY it prints one plain line per epoch and where the model went', async () => {
  const run = await kiln(['train', 'job.yaml'], tmp.dir)
  assert.is(run.code, 0, run.stderr)
  const lines = run.stdout.trim().split('\n')
  assert.match(
    lines[0]!,
    /^cli-blobs: training mlp on \.\/blobs\.csv \(288 train, 32 validation, 80 test held out\)|^cli-blobs: training mlp on \.\/blobs\.csv \(\d+ train/,
  )
  assert.equal(lines.filter((l) => l.startsWith('epoch ')).length, 2)
  assert.match(
    lines.find((l) => l.startsWith('epoch 1/2'))!,
    /^epoch 1\/2 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_acc \d\.\d{4} {2}.+ samples\/s$/,
  )
  assert.match(run.stdout, /^test: accuracy \d\.\d{4}, loss \d\.\d{4} \(40 samples\)$/m)
  assert.ok(
    run.stdout.includes(`model saved to ${join(tmp.dir, 'models', 'cli-blobs')}`),
    'default --out is ./models/<name>',
  )
  assert.not.match(run.stdout, /\r/, 'no progress bar redraws without a TTY')
})

cli('a model already in --out is not replaced unless --force says so', async () => {
  const first = await kiln(['train', 'job.yaml', '--out', 'kept', '--set', 'training.epochs=1'], tmp.dir)
  assert.is(first.code, 0, first.stderr)
  const saved = readFileSync(join(tmp.dir, 'kept', 'model.json'), 'utf8')
  const again = await kiln(['train', 'job.yaml', '--out', 'kept', '--set', 'training.epochs=1'], tmp.dir)
  assert.is(again.code, 2, again.stdout)
  assert.match(again.stderr, /kept already holds a model \(from an earlier run\); --force replaces it, --out DIR saves/)
  assert.is(readFileSync(join(tmp.dir, 'kept', 'model.json'), 'utf8'), saved, 'the model is untouched')
  const forced = await kiln(['train', 'job.yaml', '--out', 'kept', '--force', '--set', 'training.epochs=1'], tmp.dir)
  assert.is(forced.code, 0, forced.stderr)
})

cli('a bad spec with --json is an error event on stdout', async () => {
  const run = await kiln(['train', 'bad.yaml', '--json'], tmp.dir)
  assert.is(run.code, 2)
  const event = JSON.parse(run.stdout.trim()) as {
    event: string
    exitCode: number
    error: { name: string; code: string; data: { problems: { field: string }[] } }
  }
  assert.equal(
    [event.event, event.exitCode, event.error.name, event.error.code],
    ['error', 2, 'SpecError', 'invalid_argument'],
  )
  assert.equal(
    event.error.data.problems.map((p) => p.field),
    ['name', 'training.batchSize', 'training.epoch'],
  )
})

cli('Ctrl-C stops after the current batch: exit 130 and no model', async () => {
  let sent = false
  const run = await kiln(['train', 'long.yaml', '--json', '--out', 'interrupted'], tmp.dir, {
    onStdoutLine: (line, child) => {
      if (!sent && line.includes('"event":"epoch"')) {
        sent = true
        child.kill('SIGINT')
      }
    },
  })
  assert.ok(sent, 'an epoch event arrived before the interrupt')
  assert.is(run.code, 130, run.stdout + run.stderr)
  const last = JSON.parse(run.stdout.trim().split('\n').pop()!) as { event: string; error: { name: string } }
  assert.equal([last.event, last.error.name], ['error', 'TrainingAbortedError'])
  assert.not.ok(existsSync(join(tmp.dir, 'interrupted')))
  assert.equal(
    readdirSync(tmp.dir).filter((n) => n.includes('interrupted')),
    [],
  )
})

cli('bin/kiln.mjs runs the same command', async () => {
  const version = await kiln(['--version'], tmp.dir, { viaBin: true })
  assert.is(version.code, 0, version.stderr)
  assert.match(version.stdout, /^kiln \d+\.\d+\.\d+\nnode /)
  const bad = await kiln(['train', 'bad.yaml'], tmp.dir, { viaBin: true })
  assert.is(bad.code, 2)
})

cli.run()
