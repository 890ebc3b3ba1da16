// Every training path of the cluster ends with a full evaluation on its test split: a job's
// trial and model version, each trial of a sweep, and the sweep's registered best model.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { JobsClient, RunsClient, SweepsClient } from '@kiln/client'
import { ensureLayout, getModelVersion, readModelFiles } from '@kiln/cluster-state'
import { resolveDataset } from '@kiln/data'
import { GBDT_JSON, parseGbdtModel } from '@kiln/train'
import { EvaluationSchema, type Evaluation, type TrialRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'
import { reportCommand } from '../../packages/cli/src/commands/report.js'

/** Runs `kiln report TARGET --html FILE` in this process; returns the HTML. */
async function report(url: string, target: string, dir: string): Promise<string> {
  const file = join(dir, `${target.replace(/[^a-z0-9-]/gi, '_')}.html`)
  let err = ''
  const stderr = new PassThrough().on('data', (d: Buffer) => (err += d))
  const io = { stdout: new PassThrough(), stderr, env: {}, cwd: dir, onInterrupt: () => () => {} }
  const code = await reportCommand([target, '--html', file, '--nats', url], io)
  assert.is(code, 0, err)
  return readFileSync(file, 'utf8')
}
const plots = (html: string) => [...new Set([...html.matchAll(/data-plot="([^"]+)"/g)].map((m) => m[1]))].sort()

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  worker?: WorkerAgent
  jobs?: JobsClient
  sweeps?: SweepsClient
  data?: { dir: string; remove(): void }
}
const evaluation = suite<Ctx>('cluster - every run is evaluated on its test split')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }

evaluation.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 300, [6], 3)
    ctx.ncs = await Promise.all([0, 1, 2, 3].map(() => connect({ servers: ctx.server!.url })))
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout: layoutOpts, log: quiet })
    await ctx.coord.leading()
    ctx.worker = await startWorker({
      nc: ctx.ncs[1]!,
      slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
      layout: layoutOpts,
      log: quiet,
      name: 'w1',
    })
    ctx.jobs = new JobsClient(ctx.ncs[2]!)
    ctx.sweeps = new SweepsClient(ctx.ncs[2]!)
  }),
)
evaluation.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

const spec = (dir: string, name: string) => ({
  name,
  dataset: `${dir}/x.npy`,
  model: { builtin: 'mlp', hidden: [8] },
  optimizer: { name: 'adam', learningRate: 0.01 },
  training: { epochs: 2, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 3 },
})

/** A full classification evaluation of the 3-class blobs' 60 test samples. */
function assertFull(ev: Evaluation | undefined, what: string): void {
  assert.ok(ev, `${what} carries an evaluation`)
  EvaluationSchema.parse(ev)
  assert.is(ev.task, 'classification', what)
  if (ev.task !== 'classification') return
  assert.is(ev.count, 60, `${what}: the 20% test split of 300`)
  assert.is(ev.confusion?.length, 3, `${what}: a 3×3 confusion matrix`)
  assert.is(
    ev.confusion!.flat().reduce((a, b) => a + b, 0),
    60,
    `${what}: the confusion matrix counts every test sample`,
  )
  assert.is(ev.perClass.f1.length, 3, what)
  assert.ok(ev.rocAuc && ev.prAuc && ev.logLoss !== undefined, `${what}: areas and log loss`)
}

function assertFlat(t: TrialRecord): void {
  const m = t.metrics ?? {}
  for (const k of ['test_accuracy', 'test_f1_macro', 'test_precision_weighted', 'test_roc_auc', 'test_log_loss'])
    assert.ok(typeof m[k] === 'number', `trial ${t.id} metrics.${k}`)
  if (t.evaluation?.task === 'classification') assert.is(m.test_f1_macro, t.evaluation.macro.f1)
}

/** A job's (single) trial once it succeeded; a failed trial fails the test with its error. */
function succeeded(jobs: JobsClient, jobId: string): Promise<TrialRecord> {
  return waitFor(
    `the trial of ${jobId} to succeed`,
    async () => {
      const t = (await jobs.trials(jobId))[0]
      if (t?.state === 'failed') throw new Error(`trial failed: ${t.error?.message}`)
      return t?.state === 'succeeded' ? t : undefined
    },
    120_000,
    100,
  )
}

evaluation('a job: its trial and its model version carry the evaluation', async (ctx) => {
  const { jobs, data, ncs } = ctx
  const { job } = await jobs!.submit({
    ...spec(data!.dir, 'eval-job'),
    experiment: 'blobs-baselines',
    tags: { team: 'vision', baseline: true },
    notes: 'first try',
  })
  const listed = await succeeded(jobs!, job.id)
  assert.is(listed.evaluation, undefined, 'a list leaves evaluations out (size)')
  const trial = (await jobs!.show(listed.id)).trial!
  assertFull(trial.evaluation, 'the trial record')
  assertFlat(trial)
  const layout = await ensureLayout(ncs![3]!, layoutOpts)
  const version = await getModelVersion(layout, trial.model!.name, trial.model!.version)
  assertFull(version.evaluation, 'the model version')
  assert.equal(version.evaluation, trial.evaluation)
  // The run carries the spec's experiment, tags and notes, and is found by them.
  const runs = await new RunsClient(ncs![3]!).query({
    experiment: 'blobs-baselines',
    where: 'tags.team == "vision" and tags.baseline and test_accuracy >= 0',
  })
  assert.equal(
    runs.map((r) => [r.id, r.kind, r.notes]),
    [[job.id, 'job', 'first try']],
  )
  assert.equal(runs[0]!.evaluation, trial.evaluation)
  assert.is(runs[0]!.params['optimizer.learningRate'], 0.01)
  const html = await report(ctx.server!.url, job.id, ctx.data!.dir)
  assert.equal(plots(html), ['confusion', 'curves', 'lineage', 'per-class'])
  assert.ok(html.includes('first try') && html.includes('blobs-baselines'), 'notes and experiment in the summary')
})

evaluation('a sweep: every trial and the registered best carry full evaluations', async (ctx) => {
  const { sweeps, data, ncs } = ctx
  const { sweep } = await sweeps!.submit({
    ...spec(data!.dir, 'eval-sweep'),
    metric: { name: 'val_accuracy', mode: 'max' },
    search: {
      algorithm: 'random',
      maxTrials: 3,
      maxConcurrent: 1,
      space: { 'optimizer.learningRate': { loguniform: [1e-3, 3e-2] } },
    },
  })
  const done = await waitFor(
    'the sweep to end',
    async () => {
      const { sweep: s } = await sweeps!.show(sweep.id)
      return ['succeeded', 'failed', 'cancelled'].includes(s.state) ? s : undefined
    },
    180_000,
    200,
  )
  assert.is(done.state, 'succeeded', done.endReason)
  const { trials } = await sweeps!.show(sweep.id)
  const succeeded = trials.filter((t) => t.state === 'succeeded')
  assert.is(succeeded.length, 3)
  for (const t of succeeded) {
    assertFull(t.evaluation, `sweep trial ${t.id}`)
    assertFlat(t)
  }
  const layout = await ensureLayout(ncs![3]!, layoutOpts)
  const version = await getModelVersion(layout, done.model!.name, done.model!.version)
  const best = succeeded.find((t) => t.id === version.lineage?.trialId)
  assertFull(version.evaluation, 'the registered best')
  assert.equal(version.evaluation, best?.evaluation, "the best model's evaluation is its trial's")
  const runs = await new RunsClient(ncs![3]!).query({ where: `sweep == "${sweep.id}"`, sort: 'test_accuracy' })
  assert.is(runs.length, trials.length, 'each sweep trial is a run')
  assert.ok(runs.every((r) => r.kind === 'trial' && r.experiment === 'eval-sweep'))
  const lrs = runs.map((r) => r.params['optimizer.learningRate'])
  assert.is(new Set(lrs).size, runs.length, "each run has its trial's own learning rate")
  // kiln report of the sweep and of its model: every plot the data allows.
  const all = ['best-so-far', 'confusion', 'curves', 'importance', 'lineage', 'parallel-coordinates', 'per-class']
  assert.equal(plots(await report(ctx.server!.url, sweep.id, ctx.data!.dir)), all)
  const model = await report(ctx.server!.url, `${done.model!.name}@${done.model!.version}`, ctx.data!.dir)
  assert.equal(plots(model), all, 'a model from a sweep shows its sweep too')
  assert.ok(model.includes(sweep.id), 'the lineage names the sweep')
})

evaluation(
  'a gbdt job: trained by a worker, registered with gbdt.json, evaluated, and the files predict',
  async (ctx) => {
    const { jobs, data, ncs } = ctx
    const { job } = await jobs!.submit({
      name: 'blobs-gbdt',
      dataset: `${data!.dir}/x.npy`,
      model: { builtin: 'gbdt', trees: 30, minSamplesLeaf: 5 },
      training: { epochs: 3, validationSplit: 0.2, testSplit: 0.2, seed: 3 },
    })
    const listed = await succeeded(jobs!, job.id)
    const trial = (await jobs!.show(listed.id)).trial!
    assertFull(trial.evaluation, 'the gbdt trial record')
    assertFlat(trial)
    const layout = await ensureLayout(ncs![3]!, layoutOpts)
    const version = await getModelVersion(layout, trial.model!.name, trial.model!.version)
    const files = await readModelFiles(layout, version)
    assert.ok(files.has('kiln-model.json'), 'kiln-model.json is registered')
    const model = parseGbdtModel(files.get(GBDT_JSON)!, `${version.model}@${version.version}/${GBDT_JSON}`)
    assert.is(model.info.objective, 'multiclass')
    assert.is(model.info.numFeatures, 6)
    const { train } = await resolveDataset(`${data!.dir}/x.npy`)
    assert.is((await model.predictAsync(train.x)).length, train.count * 3)
  },
)

evaluation.run()
