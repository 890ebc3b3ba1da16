// The cluster as a user runs it: `kiln up` with two workers in a fresh folder, a
// Fashion-MNIST MLP job through `kiln submit --watch`, the result through `kiln jobs
// --json`, `kiln trials`, `kiln logs` and `kiln nodes`, then `kiln down`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { runKiln } from '../helpers/kiln-process.js'

const repo = resolve(fileURLToPath(import.meta.url), '../../..')
type Ctx = { dir?: string }
const e2e = suite<Ctx>('e2e - a job on a local 2-worker cluster through the CLI')

e2e.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-e2e-'))
    const up = await runKiln(['up', '--workers', '2', '--detach', '--no-gateway'], ctx.dir)
    assert.is(up.code, 0, `kiln up failed:\n${up.stdout}\n${up.stderr}`)
  }),
)
e2e.after(
  loud(async (ctx) => {
    if (!ctx.dir) return
    const down = await runKiln(['down'], ctx.dir)
    rmSync(ctx.dir, { recursive: true, force: true })
    assert.is(down.code, 0, down.stderr)
  }),
)

e2e(
  'a Fashion-MNIST MLP job trains, streams metrics, registers its model; kiln jobs --json shows its test accuracy',
  async ({ dir }) => {
    const submit = await runKiln(['submit', join(repo, 'examples', 'quick-mlp.yaml'), '--watch', '--json'], dir!)
    assert.is(submit.code, 0, `${submit.stdout}\n${submit.stderr}`)
    const events = submit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; epoch?: number; job?: JobRecord })
    assert.equal(
      events.filter((e) => e.event === 'epoch').map((e) => e.epoch),
      [1, 2],
      'both epochs streamed while it ran',
    )
    const jobId = events.find((e) => e.event === 'submitted')!.job!.id

    const jobs = JSON.parse((await runKiln(['jobs', '--json'], dir!)).stdout) as JobRecord[]
    const job = jobs.find((j) => j.id === jobId)!
    assert.is(job.state, 'succeeded')
    assert.ok(job.metrics!.test_accuracy! > 0.7, `test accuracy ${job.metrics!.test_accuracy}`)

    const trials = JSON.parse((await runKiln(['trials', jobId, '--json'], dir!)).stdout) as TrialRecord[]
    assert.equal(trials[0]!.model, { name: 'quick-mlp', version: 1 })
    assert.is(trials[0]!.attempts, 1)

    const logs = await runKiln(['logs', trials[0]!.id], dir!)
    assert.is(logs.code, 0, logs.stderr)

    const nodes = JSON.parse((await runKiln(['nodes', '--json'], dir!)).stdout) as Array<{ live: boolean }>
    assert.is(nodes.filter((n) => n.live).length, 2)

    // kiln status: the processes once, then nodes, slots, jobs and endpoints with totals.
    const status = await runKiln(['status'], dir!)
    assert.is(status.code, 0, status.stderr)
    assert.is(status.stdout.match(/coordinator \(\d+\)/g)?.length, 1, `one process list:\n${status.stdout}`)
    assert.match(status.stdout, /^nodes +2 live$/m)
    assert.match(status.stdout, /^slots +\d+ on live nodes: 0 busy, \d+ free$/m)
    assert.match(status.stdout, /^jobs +0 running, 0 pending, 1 ended \(1 succeeded\)$/m)
    assert.match(status.stdout, /^endpoints +could not be read: no gateway answers/m, 'this cluster runs no gateway')
  },
)

e2e.run()
