// The evaluation and the registry from the command line: `kiln train` prints the full
// evaluation (and, on a terminal, its curves), `kiln models` lists/shows/aliases versions,
// `kiln eval` evaluates a registered model or a folder on a dataset.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { EvaluationSchema } from '@kiln/protocol'
import { humanPrinter } from '../../packages/cli/src/train-printer.js'
import { evaluateClassification } from '@kiln/train/evaluation'
import { loud } from '../helpers/hooks.js'
import { runKiln } from '../helpers/kiln-process.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { tempDir, writeCsvBlobs } from '../train/synthetic.js'

// No cluster unless a test names one: neither the environment's nor a local one.
const kiln = (args: string[], cwd: string) =>
  runKiln(args, cwd, { FORCE_COLOR: '0', KILN_NATS_URL: '', KILN_DIR: join(cwd, '.no-cluster') })

type Ctx = { tmp: { dir: string; remove(): void }; server: NatsServer; nc: NatsConnection; coord: Coordinator }
const cli = suite<Ctx>('cli - evaluation, kiln models and kiln eval')
const SPEC = `name: blobs
dataset: ./blobs.csv
model: { builtin: mlp, hidden: [16] }
optimizer: { name: adam, learningRate: 0.02 }
training: { epochs: 3, batchSize: 32, testSplit: 0.25, seed: 4 }
`

cli.before(
  loud(async (ctx) => {
    ctx.tmp = tempDir('kiln-cli-models-')
    writeCsvBlobs(ctx.tmp.dir, 400, 6, 3)
    writeFileSync(join(ctx.tmp.dir, 'job.yaml'), SPEC)
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    ctx.coord = await startCoordinator({ nc: ctx.nc, log: () => {} })
    await ctx.coord.leading()
  }),
)
cli.after(
  loud(async (ctx) => {
    await ctx.coord?.stop()
    await ctx.nc?.close()
    await ctx.server?.stop()
    ctx.tmp?.remove()
  }),
)

cli(
  'kiln train prints averages, the per-class table and the confusion matrix; kiln-model.json keeps them',
  async ({ tmp }) => {
    const run = await kiln(['train', 'job.yaml', '--out', 'model'], tmp.dir)
    assert.is(run.code, 0, run.stderr)
    assert.match(run.stdout, /^test: accuracy \d\.\d{4}, loss \d\.\d{4} \(100 samples\)$/m)
    assert.match(run.stdout, /^macro {5}precision \d\.\d{4} {2}recall \d\.\d{4} {2}F1 \d\.\d{4}$/m)
    assert.match(
      run.stdout,
      /^log loss \d\.\d{4} {2}top-2 accuracy \d\.\d{4} {2}ROC-AUC \d\.\d{4} {2}PR-AUC \d\.\d{4}$/m,
    )
    assert.match(run.stdout, /^CLASS {2}PRECISION {2}RECALL {2}F1 {6}SUPPORT {2}ROC-AUC$/m)
    assert.match(run.stdout, /^confusion matrix \(rows: true class, columns: predicted\)$/m)
    const meta = JSON.parse(readFileSync(join(tmp.dir, 'model', 'kiln-model.json'), 'utf8'))
    const ev = EvaluationSchema.parse(meta.metrics.test.evaluation)
    assert.is(ev.count, 100)
    if (ev.task !== 'classification') throw new Error('expected classification')
    const rows = run.stdout.split('\n')
    const at = rows.findIndex((l) => l.startsWith('confusion matrix'))
    const printed = rows.slice(at + 2, at + 5).map((l) => l.trim().split(/\s+/).slice(1).map(Number))
    assert.equal(printed, ev.confusion, 'the printed matrix is the stored one')
  },
)

cli('on a terminal, kiln train ends with its loss and accuracy curves', () => {
  const out = Object.assign(new PassThrough(), { isTTY: true, columns: 80 })
  let text = ''
  out.on('data', (d: Buffer) => (text += d))
  const io = { stdout: out, stderr: new PassThrough(), env: {}, cwd: '/', onInterrupt: () => () => {} }
  const epochs = [0.9, 0.6, 0.45, 0.4].map((loss, i) => ({
    epoch: i + 1,
    loss,
    accuracy: 0.5 + i * 0.1,
    val_loss: loss + 0.05,
    val_accuracy: 0.45 + i * 0.1,
  }))
  const evaluation = evaluateClassification({
    scores: [0.8, 0.2, 0.3, 0.7, 0.6, 0.4],
    labels: [0, 1, 1],
    numClasses: 2,
  })
  humanPrinter(io, true).done({
    name: 'x',
    metrics: {
      epochs,
      test: { count: 3, accuracy: evaluation.accuracy, evaluation },
      objective: { name: 'val_accuracy', mode: 'max' },
    },
    durationMs: 10,
    samplesPerSecond: 1,
    epochsRun: 4,
    stoppedEarly: false,
  })
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '')
  assert.match(plain, /^loss {2}━━ loss {2}━━ val_loss$/m)
  assert.match(plain, /^accuracy {2}━━ accuracy {2}━━ val_accuracy$/m)
  assert.match(plain, /^ 0\.9500┤/m, 'the loss axis starts at the largest loss')
  assert.ok(/[\u2801-\u28ff]/.test(plain), 'braille dots drawn')
  assert.match(plain, /^ +epoch 1 +4$/m)
})

cli('kiln models lists, shows and aliases versions; unknown names get a suggestion', async ({ tmp, server, nc }) => {
  const layout = await ensureLayout(nc)
  const dir = join(tmp.dir, 'model')
  const files = new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
  await publishModelVersion(layout, {
    model: 'blobs',
    files,
    metrics: { test_accuracy: 0.9, test_f1_macro: 0.88 },
    lineage: { jobId: 'job-1', trialId: 'job-1-t0', params: { 'optimizer.learningRate': 0.02 } },
  })
  const nats = ['--nats', server.url]
  const list = await kiln(['models', ...nats], tmp.dir)
  assert.is(list.code, 0, list.stderr)
  assert.match(
    list.stdout,
    /^MODEL {2}VERSION {2}ALIASES {2}APPROVAL {2}TEST ACC {2}F1 MACRO {2}SIZE +CREATED +ENDPOINTS$/m,
  )
  assert.match(list.stdout, /^blobs {2}1 {8}- {8}pending {3}0\.9000 {4}0\.8800 {4}\d/m)
  const alias = await kiln(['models', 'alias', 'blobs@1', 'champion', ...nats], tmp.dir)
  assert.is(alias.code, 0, alias.stderr)
  assert.match(alias.stdout, /blobs@champion → blobs@1/)
  const show = await kiln(['models', 'show', 'blobs@champion', ...nats], tmp.dir)
  assert.is(show.code, 0, show.stderr)
  assert.match(show.stdout, /^blobs@1 {2}\(aliases: champion\)$/m)
  assert.match(show.stdout, /^signature {2}input FP32 \[-1, 6\]; output FP32 \[-1, 3\] class scores$/m)
  assert.match(
    show.stdout,
    /^lineage {4}Trained by job job-1, trial job-1-t0\. Hyperparameters: optimizer\.learningRate=0\.02\. Dataset blobs/m,
  )
  assert.match(show.stdout, /^evaluation \(100 test samples\)$/m)
  assert.match(show.stdout, /^confusion matrix/m)
  const typo = await kiln(['models', 'show', 'blbs', ...nats], tmp.dir)
  assert.is(typo.code, 2)
  assert.match(typo.stderr, /model "blbs" not found \(did you mean "blobs"\?\)/)
})

cli('kiln eval evaluates a registered version or a folder on a dataset', async ({ tmp, server }) => {
  const run = await kiln(['eval', 'blobs@champion', './blobs.csv', '--json', '--nats', server.url], tmp.dir)
  assert.is(run.code, 0, run.stderr + run.stdout)
  const out = JSON.parse(run.stdout)
  assert.is(out.model, 'blobs@1')
  assert.is(out.split, 'all')
  const ev = EvaluationSchema.parse(out.evaluation)
  assert.is(ev.count, 400)
  if (ev.task === 'classification')
    assert.is(
      ev.confusion!.flat().reduce((a, b) => a + b, 0),
      400,
    )
  const local = await kiln(['eval', 'model', 'blobs.csv'], tmp.dir)
  assert.is(local.code, 0, local.stderr)
  assert.match(local.stdout, /^model on blobs\.csv \(all, 400 samples\): accuracy \d\.\d{4}$/m)
  assert.match(local.stdout, /^confusion matrix/m)
  const missing = await kiln(['eval', 'model', 'nope.csv'], tmp.dir)
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /nope\.csv/)
  const split = await kiln(['eval', 'model', 'blobs.csv', '--split', 'test'], tmp.dir)
  assert.is(split.code, 2)
  assert.match(split.stderr, /--split: expected a dataset with a test set/)
})

cli.run()
