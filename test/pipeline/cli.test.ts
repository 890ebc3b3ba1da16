// kiln pipeline (issue 18) against a real nats-server with an in-process coordinator and
// worker: run a file that names a spec file and a local dataset (imported on the way),
// follow it, list and show runs (cached steps marked, the DAG drawn); malformed files are
// refused naming the step and field with nothing started; cancel and retry.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PipelinesClient } from '@kiln/client'
import { kilnInProcess } from '../helpers/cli-in-process.js'
import { loud } from '../helpers/hooks.js'
import { startPipelineCluster, type PipelineCluster } from '../helpers/pipeline-cluster.js'
import { waitFor } from '../helpers/wait-for.js'
import { writeNpyBlobs } from '../train/synthetic.js'

type Ctx = { cluster?: PipelineCluster; dir?: string }
const cli = suite<Ctx>('pipeline - kiln pipeline commands')

cli.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-pipeline-cli-'))
    writeNpyBlobs(join(ctx.dir), 300, [6], 3)
    writeFileSync(
      join(ctx.dir, 'quick.yaml'),
      'name: quick-blobs\ndataset: ./x.npy\nmodel: { builtin: mlp, hidden: [8] }\noptimizer: { learningRate: 0.02 }\ntraining: { epochs: 2, batchSize: 32, seed: 3 }\n',
    )
    writeFileSync(
      join(ctx.dir, 'p.yaml'),
      `name: quick
params: { epochs: 2 }
steps:
  check: { kind: validate, dataset: ./x.npy, schema: { rows: { min: 100 } } }
  train: { kind: train, spec: ./quick.yaml, set: { training.epochs: "\${params.epochs}" }, after: [check] }
  evaluate: { kind: evaluate, model: "\${steps.train.model}" }
`,
    )
    ctx.cluster = await startPipelineCluster({ worker: true })
  }),
)
cli.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

const kiln = (args: string[], ctx: Ctx) => kilnInProcess(args, ctx.dir!, ctx.cluster!.server.url)

cli('run follows a pipeline to its end; a second run is cached; ls and show mark it', async (ctx) => {
  const first = await kiln(['pipeline', 'run', 'p.yaml'], ctx)
  assert.is(first.code, 0, first.stdout + first.stderr)
  assert.match(first.stderr, /imported dataset x \([0-9a-f]{12}\)/)
  assert.match(first.stdout, /^run-[0-9a-f]{12} quick: 3 steps\n/)
  assert.match(
    first.stdout,
    /\ntrain +succeeded +[\d.]+ m?s {2}model quick-blobs@1, metrics test_accuracy [01]\.\d{4}, job job-/,
  )
  assert.match(first.stdout, /\nrun-[0-9a-f]{12} quick: succeeded, 3 steps, /)
  const second = await kiln(['pipeline', 'run', 'p.yaml'], ctx)
  assert.is(second.code, 0, second.stdout + second.stderr)
  assert.match(second.stdout, /\ntrain +succeeded \(cached\)/)
  assert.match(second.stdout, /succeeded, 3 steps \(3 cached\)/)
  const id = /^(run-[0-9a-f]{12})/.exec(second.stdout)![1]!

  const ls = await kiln(['pipeline', 'ls'], ctx)
  assert.match(ls.stdout, /^RUN +PIPELINE +STATE +STEPS +CACHED +TRIGGER +AGE +TOOK\n/)
  assert.match(ls.stdout, new RegExp(`${id} +quick +succeeded +3/3 +3 +user`))
  const show = await kiln(['pipeline', 'show', id], ctx)
  assert.is(show.code, 0, show.stderr)
  assert.match(show.stdout, /STEP +KIND +STATE +TRIES +TOOK +RESULT/)
  assert.match(show.stdout, /evaluate +evaluate +succeeded \(cached\)/)
  assert.match(
    show.stdout,
    /✓ check \(validate\) cached\n└─ ✓ train \(train\) cached\n {3}└─ ✓ evaluate \(evaluate\) cached/,
  )
  const json = JSON.parse((await kiln(['pipeline', 'show', id, '--json'], ctx)).stdout)
  assert.ok(json.steps.every((s: { cached: boolean }) => s.cached))
})

cli('a malformed file or parameter is refused naming the step and field; nothing runs', async (ctx) => {
  const before = (await new PipelinesClient(ctx.cluster!.nc).list()).length
  writeFileSync(
    join(ctx.dir!, 'bad.yaml'),
    'name: bad\nsteps:\n  train: { kind: train, spec: ./quick.yaml, set: { training.epochs: 0 } }\n  evaluate: { kind: evaluate, model: "${steps.trian.model}" }\n',
  )
  const bad = await kiln(['pipeline', 'run', 'bad.yaml'], ctx)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /bad\.yaml: invalid pipeline \(2 problems\):/)
  assert.match(bad.stderr, /steps\.train\.set\.training\.epochs: expected a positive integer, got 0/)
  assert.match(
    bad.stderr,
    /steps\.evaluate\.model: expected a step of this pipeline, got \$\{steps\.trian\.model\} \(did you mean "steps\.train"\?\)/,
  )
  const param = await kiln(['pipeline', 'run', 'p.yaml', '--param', 'epochz=3'], ctx)
  assert.is(param.code, 2)
  assert.match(param.stderr, /--param epochz: expected a parameter of the pipeline \(epochs\), did you mean "epochs"\?/)
  const missing = await kiln(['pipeline', 'run', 'nope.yaml'], ctx)
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /nope\.yaml: invalid pipeline \(1 problem\):\n {2}- no such file/)
  assert.is((await new PipelinesClient(ctx.cluster!.nc).list()).length, before, 'no run was started')
})

cli('cancel stops a running run; retry runs what it had left', async (ctx) => {
  const started = await kiln(['pipeline', 'run', 'p.yaml', '--param', 'epochs=40', '--no-cache', '--detach'], ctx)
  assert.is(started.code, 0, started.stderr)
  const id = /started (run-[0-9a-f]{12})/.exec(started.stdout)![1]!
  const client = new PipelinesClient(ctx.cluster!.nc)
  await waitFor(
    'the train step to run',
    async () => (await client.show(id)).steps.find((s) => s.name === 'train')?.state === 'running',
    60_000,
    50,
  )
  const cancel = await kiln(['pipeline', 'cancel', id], ctx)
  assert.is(cancel.code, 0, cancel.stderr)
  assert.match(cancel.stdout, new RegExp(`${id} quick: cancelled`))
  const run = await client.show(id)
  assert.equal(
    run.steps.map((s) => [s.name, s.state]),
    [
      ['check', 'succeeded'],
      ['train', 'cancelled'],
      ['evaluate', 'cancelled'],
    ],
  )
  const retry = await kiln(['pipeline', 'retry', id, '--detach'], ctx)
  assert.is(retry.code, 0, retry.stdout + retry.stderr)
  // Waited for here (not by following in the command), so a run that never ends fails with
  // its steps' states instead of holding the suite.
  const after = await waitFor(
    'the retried run to end',
    async () => {
      const r = await client.show(id)
      return r.state === 'running' ? undefined : r
    },
    240_000,
    100,
  ).catch(async (err: Error) => {
    const r = await client.show(id)
    throw new Error(`${err.message}: ${r.steps.map((st) => `${st.name} ${st.state}`).join(', ')}`)
  })
  assert.is(after.state, 'succeeded', after.endReason)
  const shown = await kiln(['pipeline', 'show', id], ctx)
  assert.match(shown.stdout, new RegExp(`${id} quick: succeeded`))
  assert.is(after.steps.find((s) => s.name === 'check')!.attempts, 1, 'the step that had succeeded did not run again')
})

cli.run()
