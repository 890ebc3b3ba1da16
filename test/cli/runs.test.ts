// `kiln runs`, `kiln runs show --history` and `kiln compare` against a real nats-server
// whose job and trial records and metric reports are written as a coordinator and workers
// write them (no training: the commands only read them).
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout } from '@kiln/cluster-state'
import {
  JobRecordSchema,
  MetricReportSchema,
  Subjects,
  TrialRecordSchema,
  encode,
  type JobRecord,
  type TrialRecord,
} from '@kiln/protocol'
import { evaluateClassification } from '@kiln/train/evaluation'
import { loud } from '../helpers/hooks.js'
import { runKiln } from '../helpers/kiln-process.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { tempDir } from '../train/synthetic.js'

const kiln = (args: string[], cwd: string, url: string) =>
  runKiln([...args, '--nats', url], cwd, { FORCE_COLOR: '0', KILN_DIR: join(cwd, '.none') })

type Ctx = { server: NatsServer; nc: NatsConnection; tmp: { dir: string; remove(): void } }
const runs = suite<Ctx>('cli - kiln runs and kiln compare')

const ts = (t: number) => ({ createdAt: t, updatedAt: t, endedAt: t + 10 })
const spec = (name: string, lr: number, tags: Record<string, string | boolean>, experiment?: string) => ({
  name,
  dataset: 'blobs',
  ...(experiment ? { experiment } : {}),
  tags,
  notes: `${name} notes`,
  model: { builtin: 'mlp', hidden: [16] },
  optimizer: { name: 'adam', learningRate: lr },
  training: { epochs: 3, batchSize: 32 },
})
const evaluation = (skill: number) =>
  evaluateClassification({
    scores: [0.9, 0.1, 0.2, 0.8, skill, 1 - skill, 0.3, 0.7],
    labels: [0, 1, 0, 1],
    numClasses: 2,
  })

runs.before(
  loud(async (ctx) => {
    ctx.tmp = tempDir('kiln-cli-runs-')
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    const layout = await ensureLayout(ctx.nc)
    const put = async (job: JobRecord, trials: TrialRecord[]) => {
      await layout.kv.jobs.put(job.id, encode(JobRecordSchema, job))
      for (const t of trials) await layout.kv.trials.put(t.id, encode(TrialRecordSchema, t))
    }
    const trial = (
      id: string,
      jobId: string,
      t: number,
      metrics: Record<string, number>,
      skill: number,
      o = {},
    ): TrialRecord => ({
      v: 1,
      id,
      jobId,
      state: 'succeeded',
      attempts: 1,
      timestamps: ts(t),
      metrics,
      evaluation: evaluation(skill),
      ...o,
    })
    const job = (id: string, t: number, s: unknown, trialIds: string[]): JobRecord => ({
      v: 1,
      id,
      name: (s as { name: string }).name,
      state: 'succeeded',
      attempts: 1,
      spec: s,
      trialIds,
      timestamps: ts(t),
    })
    await put(job('job-aaa111', 1000, spec('mlp-a', 0.001, { team: 'vision' }, 'baselines'), ['job-aaa111-t0']), [
      trial('job-aaa111-t0', 'job-aaa111', 1000, { test_accuracy: 0.92, test_f1_macro: 0.9, val_loss: 0.3 }, 0.8),
    ])
    await put(job('job-bbb222', 2000, spec('mlp-b', 0.01, { team: 'nlp' }, 'baselines'), ['job-bbb222-t0']), [
      trial('job-bbb222-t0', 'job-bbb222', 2000, { test_accuracy: 0.81, test_f1_macro: 0.8, val_loss: 0.5 }, 0.2),
    ])
    await put(job('job-ccc333', 3000, spec('sweepy', 0.003, { team: 'vision' }), ['job-ccc333-t0', 'job-ccc333-t1']), [
      trial('job-ccc333-t0', 'job-ccc333', 3000, { test_accuracy: 0.88, val_loss: 0.35 }, 0.6, {
        sweepId: 'sweep-1',
        params: { 'optimizer.learningRate': 0.004 },
      }),
      trial('job-ccc333-t1', 'job-ccc333', 3001, { test_accuracy: 0.95, val_loss: 0.25 }, 0.9, {
        sweepId: 'sweep-1',
        params: { 'optimizer.learningRate': 0.02 },
      }),
    ])
    for (const [trialId, base] of [
      ['job-aaa111-t0', 0.6],
      ['job-bbb222-t0', 0.9],
    ] as const)
      for (let epoch = 1; epoch <= 3; epoch++)
        await layout.js.publish(
          Subjects.metrics.of(trialId, 'node-1'),
          encode(MetricReportSchema, {
            v: 1,
            trialId,
            epoch,
            metrics: { loss: base / epoch, val_accuracy: 0.5 + epoch / 10 },
            at: epoch,
          }),
        )
  }),
)
runs.after(
  loud(async (ctx) => {
    await ctx.nc?.close()
    await ctx.server?.stop()
    ctx.tmp?.remove()
  }),
)

runs(
  'kiln runs lists every job and sweep trial; --experiment, --where, --sort and --limit select',
  async ({ server, tmp }) => {
    const all = await kiln(['runs'], tmp.dir, server.url)
    assert.is(all.code, 0, all.stderr)
    assert.match(all.stdout, /^RUN +EXPERIMENT +STATE +TEST ACC +F1 MACRO +TAGS +AGE$/m)
    assert.equal(
      all.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0]),
      ['job-ccc333-t1', 'job-ccc333-t0', 'job-bbb222', 'job-aaa111'],
      'newest first, sweep trials one by one',
    )
    const where = await kiln(
      ['runs', '--where', 'test_accuracy > 0.85 and tags.team == "vision"', '--sort', 'test_accuracy', '--json'],
      tmp.dir,
      server.url,
    )
    assert.is(where.code, 0, where.stderr)
    assert.equal(
      JSON.parse(where.stdout).map((r: { id: string }) => r.id),
      ['job-ccc333-t1', 'job-aaa111', 'job-ccc333-t0'],
    )
    const exp = await kiln(
      ['runs', '--experiment', 'baselines', '--sort', 'val_loss', '--limit', '1'],
      tmp.dir,
      server.url,
    )
    assert.match(exp.stdout, /^RUN +EXPERIMENT +STATE +TEST ACC +F1 MACRO +VAL_LOSS +TAGS +AGE$/m)
    assert.match(exp.stdout, /^job-aaa111 +baselines +succeeded +0\.9200 +0\.9000 +0\.3000 +team=vision /m)
    assert.is(exp.stdout.trim().split('\n').length, 2)
    const params = await kiln(
      ['runs', '--where', 'params.optimizer.learningRate >= 0.01', '--json'],
      tmp.dir,
      server.url,
    )
    assert.equal(
      JSON.parse(params.stdout)
        .map((r: { id: string }) => r.id)
        .sort(),
      ['job-bbb222', 'job-ccc333-t1'],
    )
  },
)

runs('a malformed --where exits 2 and points at the position', async ({ server, tmp }) => {
  const bad = await kiln(['runs', '--where', 'test_accuracy > and tags.team'], tmp.dir, server.url)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /^kiln runs: where: expected a value after > at position 17, got "and"$/m)
  assert.ok(bad.stderr.includes('  test_accuracy > and tags.team\n                  ^\n'), bad.stderr)
})

runs('kiln runs show prints params, metrics, the evaluation and with --history each epoch', async ({ server, tmp }) => {
  const show = await kiln(['runs', 'show', 'job-aaa', '--history'], tmp.dir, server.url)
  assert.is(show.code, 0, show.stderr)
  assert.match(show.stdout, /^job-aaa111 \(job, job job-aaa111\): succeeded$/m)
  assert.match(show.stdout, /^notes {6}mlp-a notes$/m)
  assert.match(show.stdout, /optimizer\.learningRate=0\.001/)
  assert.match(show.stdout, /^evaluation \(4 test samples\)$/m)
  assert.match(show.stdout, /^EPOCH +LOSS +VAL_ACCURACY$/m)
  assert.match(show.stdout, /^3 +0\.2000 +0\.8000$/m)
  const missing = await kiln(['runs', 'show', 'job-aaa112'], tmp.dir, server.url)
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /run "job-aaa112" not found \(did you mean "job-aaa111"\?\)/)
})

runs(
  'kiln compare shows differing params, final and best metrics, per-class F1 and curves',
  async ({ server, tmp }) => {
    const cmp = await kiln(['compare', 'job-aaa111', 'job-bbb222'], tmp.dir, server.url)
    assert.is(cmp.code, 0, cmp.stderr)
    assert.match(cmp.stdout, /^PARAM +job-aaa111 +job-bbb222$/m)
    assert.match(cmp.stdout, /^optimizer\.learningRate +0\.001 +0\.01$/m)
    assert.match(cmp.stdout, /^\(\d+ params the same in all\)$/m)
    assert.match(cmp.stdout, /^test_accuracy +0\.9200 +0\.8100$/m)
    assert.match(cmp.stdout, /^val_accuracy \(best\) +0\.8000 +0\.8000$/m)
    assert.match(cmp.stdout, /^loss \(best\) +0\.2000 +0\.3000$/m)
    assert.match(cmp.stdout, /^CLASS F1 +job-aaa111 +job-bbb222$/m)
    assert.match(cmp.stdout, /^loss {2}━━ job-aaa111 {2}━━ job-bbb222$/m)
    assert.ok(/[\u2801-\u28ff]/.test(cmp.stdout), 'curves drawn')
  },
)

runs.run()
