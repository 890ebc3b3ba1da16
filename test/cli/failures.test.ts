// Issue 15: a failed trial explains itself. A script trial that throws in the user's own
// helper file is submitted through `kiln submit --watch`; its message, code and the user's
// file:line (mapped through the bundle's source map) then appear in every view: the watch,
// kiln trials (text and --json), kiln jobs --json and kiln logs. A builtin trial's log says
// what it did. Unknown ids are an error (exit 2) in every command that takes one.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import { cli } from '../helpers/cli.js'
import { loud } from '../helpers/hooks.js'
import { type SmallCluster, startSmallCluster } from '../helpers/small-cluster.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'throwing-trial', 'trial.ts')
// Where helper.ts throws, and where trial.ts calls it: line and column in the user's files.
const THROW_AT = 'helper.ts:5:11'
const CALL_AT = 'trial.ts:5:3'

type Ctx = {
  cluster?: SmallCluster
  data?: { dir: string; remove(): void }
  failedJob?: string
}
const failures = suite<Ctx>('cli - failed trials explain themselves, unknown ids are errors')

failures.before(
  loud(async (ctx) => {
    ctx.data = tempDir('kiln-cli-fail-')
    writeNpyBlobs(ctx.data.dir, 240, [6], 3)
    const spec = (name: string, model: string) =>
      `name: ${name}\ndataset: ./x.npy\nmodel: ${model}\noptimizer: { name: adam, learningRate: 0.01 }\n` +
      'training: { epochs: 2, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 3 }\n'
    writeFileSync(join(ctx.data.dir, 'throwing.yaml'), spec('throwing', `{ script: ${JSON.stringify(FIXTURE)} }`))
    writeFileSync(join(ctx.data.dir, 'builtin.yaml'), spec('builtin', '{ builtin: mlp, hidden: [8] }'))
    writeFileSync(
      join(ctx.data.dir, 'sweep.yaml'),
      `${spec('throwing-sweep', `{ script: ${JSON.stringify(FIXTURE)} }`)}search:\n  algorithm: grid\n  scheduler: fifo\n` +
        '  maxConcurrent: 1\n  space:\n    model.params.scale: { grid: [0, 2] }\n',
    )
    ctx.cluster = await startSmallCluster(ctx.data.dir)
  }),
)
failures.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    ctx.data?.remove()
  }),
)

const kiln = (ctx: Ctx, ...argv: string[]) => cli([...argv, '--nats', ctx.cluster!.server.url], ctx.data!.dir)
const CURSOR_UP = /\x1b\[\d+A/

failures('submit --watch of a throwing script prints its message and the user file:line', async (ctx) => {
  const run = await kiln(ctx, 'submit', 'throwing.yaml', '--watch')
  assert.is(run.code, 1, `${run.stdout}\n${run.stderr}`)
  assert.match(run.stdout, /t0: failed: trial\.ts: failed: RangeError: the learning rate 0\.01 is cursed/)
  assert.match(run.stdout, `at checkLearningRate (${THROW_AT})`)
  assert.match(run.stdout, `at train (${CALL_AT})`, run.stdout)
  assert.not.match(run.stdout, /bundles\//, 'no cache path of the bundle')
  ctx.failedJob = /submitted (job-\S+)/.exec(run.stdout)![1]
})

failures('kiln trials, trials --json and jobs --json carry the message, code and frames', async (ctx) => {
  const text = await kiln(ctx, 'trials', ctx.failedJob!)
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, /failed .*the learning rate 0\.01 is cursed \(at helper\.ts:5:11\) \[invalid_argument\]/)
  assert.match(text.stdout, `at checkLearningRate (${THROW_AT})`)

  const json = await kiln(ctx, 'trials', ctx.failedJob!, '--json')
  const [trial] = JSON.parse(json.stdout) as Array<
    TrialRecord & { error: { message: string; data: { frames: string[]; at: string } } }
  >
  assert.is(trial!.state, 'failed')
  assert.match(trial!.error.message, 'the learning rate 0.01 is cursed')
  assert.is(trial!.error.code, 'invalid_argument')
  assert.is(trial!.error.data.at, THROW_AT)
  assert.equal(trial!.error.data.frames.slice(0, 2), [`at checkLearningRate (${THROW_AT})`, `at train (${CALL_AT})`])

  const jobs = JSON.parse((await kiln(ctx, 'jobs', '--json')).stdout) as Array<
    JobRecord & { error: { message: string } }
  >
  const job = jobs.find((j) => j.id === ctx.failedJob)!
  assert.match(job.error.message, 'the learning rate 0.01 is cursed')
})

failures('kiln logs of the failed trial (by its job id) ends with why and where', async (ctx) => {
  const run = await kiln(ctx, 'logs', ctx.failedJob!)
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /error trial failed: trial\.ts: failed: RangeError: the learning rate 0\.01 is cursed/)
  assert.match(run.stdout, `at checkLearningRate (${THROW_AT})`)
  assert.match(run.stdout, /info {2}data: \.\/x\.npy: 154 train/, 'the run narrated its data before the script ran')
})

failures('kiln logs of a builtin trial says what it did: data, epochs, evaluation', async (ctx) => {
  // On a terminal the watch redraws its trial line in place and leaves the result below.
  const submit = await cli(
    ['submit', 'builtin.yaml', '--watch', '--nats', ctx.cluster!.server.url],
    ctx.data!.dir,
    {},
    { columns: 100 },
  )
  assert.is(submit.code, 0, `${submit.stdout}\n${submit.stderr}`)
  assert.match(submit.stdout, CURSOR_UP, 'redrawn in place')
  assert.match(submit.stdout, /t0: succeeded on \S+ {2}epoch 2 {2}loss /)
  assert.match(submit.stdout, /: succeeded, test accuracy \d\.\d{4}\n$/)
  const jobId = /submitted (job-\S+)/.exec(submit.stdout)![1]!
  const run = await kiln(ctx, 'logs', jobId)
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /info {2}data: .*x\.npy.* train, .* validation, .* test samples of shape \[6\], 3 classes/)
  assert.match(run.stdout, /info {2}training mlp on kiln: 2 epochs of batch 32/)
  assert.match(run.stdout, /info {2}epoch 1\/2: loss \d/)
  assert.match(run.stdout, /info {2}epoch 2\/2: /)
  assert.match(run.stdout, /info {2}test: accuracy \d\.\d{4}, loss \d/)
  // Its last lines are stored before the trial is reported ended.
  assert.match(run.stdout, /info {2}trained 2 epochs\n[^\n]+info {2}test: accuracy [^\n]+\n$/, run.stdout)
})

failures('sweep --watch and sweep show: 0 printed as 0, each failure with its reason and frames', async (ctx) => {
  const run = await kiln(ctx, 'sweep', 'sweep.yaml', '--watch')
  assert.is(run.code, 1, `${run.stdout}\n${run.stderr}`)
  const id = /launched sweep (\S+)/.exec(run.stdout)![1]!
  assert.match(run.stdout, /trial-\d+: \w+ .*model\.params\.scale=0$/m, 'piped: one plain line per row change')
  assert.not.match(run.stdout, /e\+0/, 'no exponent notation for 0')
  const show = await kiln(ctx, 'sweep', 'show', id)
  assert.is(show.code, 0, show.stderr)
  assert.match(show.stdout, /failed: trial\.ts: failed: RangeError: the learning rate 0\.02 is cursed/)
  assert.match(show.stdout, `at checkLearningRate (${THROW_AT})`)
  assert.match(show.stdout, / 0 *$/m, 'the learningRate column shows 0')
  const byJob = await kiln(ctx, 'sweep', 'show', JSON.parse((await kiln(ctx, 'sweeps', '--json')).stdout)[0].jobId)
  assert.is(byJob.code, 2, 'a job id is not a sweep id')
  assert.match(byJob.stderr, /is a job, not a sweep/)
})

failures('an unknown id is exit 2 with a message in every command that takes one', async (ctx) => {
  for (const argv of [
    ['logs', 'nope'],
    ['trials', 'nope'],
    ['cancel', 'nope'],
    ['sweep', 'show', 'nope'],
    ['sweep', 'stop', 'nope'],
  ]) {
    const run = await kiln(ctx, ...argv)
    assert.is(run.code, 2, `kiln ${argv.join(' ')}: exit ${run.code}\n${run.stdout}\n${run.stderr}`)
    assert.match(run.stderr, /"nope" not found/, `kiln ${argv.join(' ')} says what was not found: ${run.stderr}`)
    const json = await kiln(ctx, ...argv, '--json')
    assert.is(json.code, 2, `kiln ${argv.join(' ')} --json`)
    assert.is((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'not_found')
  }
})

failures.run()
