// `kiln autopilot` on a real multi-process cluster (nats-server, a coordinator and worker
// processes, a gateway): a small table becomes a deployed ensemble that the gateway serves
// exactly as the registered files predict; running the command again picks up the same
// sweep and ensemble; a worker killed mid-autopilot loses no trial and the run still ends
// with an ensemble.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ModelsClient, SweepsClient, predict } from '@kiln/client'
import { createGateway, serveGateway, type Gateway, type Listening } from '@kiln/gateway'
import { startNatsServer, type RunningNats } from '@kiln/local'
import { Rng } from '@kiln/protocol'
import { applyPreprocessing } from '@kiln/data'
import { MODEL_KINDS, filesUnder, gbdtKind, loadPredictor, tfjsKind, type KilnModelMetadata } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { runKiln, startKiln, type KilnChild } from '../helpers/kiln-process.js'
import { waitFor } from '../helpers/wait-for.js'

type Ctx = {
  dir?: string
  nats?: RunningNats
  procs?: KilnChild[]
  nc?: NatsConnection
  gateway?: Gateway
  http?: Listening
}
const ap = suite<Ctx>('autopilot - a table to a deployed ensemble on a real cluster')

/** A 240-row table: two informative numbers, a category, a useless number; the class is noisy. */
function writeTable(dir: string, name: string, seed: number): string {
  const rng = new Rng(seed)
  const colors = ['red', 'green', 'blue']
  const lines = ['x1,x2,color,noise,label']
  for (let i = 0; i < 240; i++) {
    const a = rng.uniform(-1, 1)
    const b = rng.uniform(-1, 1)
    const c = rng.pick(colors)
    const y = a + 0.5 * b + (c === 'red' ? 0.3 : 0) + 0.3 * rng.normal() > 0 ? 'yes' : 'no'
    lines.push(`${a.toFixed(3)},${b.toFixed(3)},${c},${rng.uniform(0, 10).toFixed(2)},${y}`)
  }
  const path = join(dir, name)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

type Event = { event: string } & Record<string, unknown>
function events(stdout: string): Event[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event)
}

ap.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-autopilot-'))
    ctx.nats = await startNatsServer({ dir: ctx.dir, jetstreamDir: join(ctx.dir, 'js') })
    const env = { KILN_THREADS: '1' }
    // The default heartbeat (2 s), which the in-process gateway's layout also has.
    const common = ['--nats', ctx.nats.url]
    ctx.procs = [startKiln(['coordinator', ...common, '--id', 'c1'], env)]
    for (const k of [1, 2])
      ctx.procs.push(
        startKiln(['worker', ...common, '--slots', '1', '--name', `w${k}`, '--cache', join(ctx.dir, `cache${k}`)], env),
      )
    await Promise.all(ctx.procs.map((p) => p.ready))
    ctx.nc = await connect({ servers: ctx.nats.url })
    ctx.gateway = await createGateway({ nc: ctx.nc, threads: 1, log: () => {} })
    ctx.http = await serveGateway(ctx.gateway, 0)
  }),
)
ap.after(
  loud(async (ctx) => {
    await ctx.http?.close()
    await ctx.gateway?.close()
    await Promise.all((ctx.procs ?? []).map((p) => p.kill9()))
    await ctx.nc?.close()
    await ctx.nats?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

ap(
  'a small table: detected, searched (interrupted and picked up), ensembled, registered, explained, deployed and served',
  async (ctx) => {
    const csv = writeTable(ctx.dir!, 'shop.csv', 3)
    const args = ['autopilot', csv, '--budget', '30s', '--deploy', '--json', '--nats', ctx.nats!.url]
    // Ctrl-C once the sweep has a finished trial: the command stops, the sweep goes on.
    const first = startKiln(args, {}, 600_000, ctx.dir!)
    const sweeps = new SweepsClient(ctx.nc!)
    const early = await waitFor(
      'a finished trial of autopilot-shop',
      async () => {
        const sweep = (await sweeps.list()).find((s) => s.name === 'autopilot-shop')
        return sweep?.leaderboard.some((r) => r.state === 'completed' || r.state === 'stopped') ? sweep : undefined
      },
      120_000,
      100,
    )
    first.child.kill('SIGINT')
    assert.is(await first.exited, 130, first.output())
    assert.match(first.output(), /"event":"interrupted"/)
    const run = await runKiln(args, ctx.dir!)
    assert.is(run.code, 0, `${run.stdout}\n${run.stderr}`)
    const out = events(run.stdout)
    const picked = out.find((e) => e.event === 'sweep') as Event & { created: boolean; sweep: { id: string } }
    assert.is(picked.created, false, 'the second run picked up the sweep')
    assert.is(picked.sweep.id, early.id)
    const plan = out.find((e) => e.event === 'plan')!
    assert.ok((plan.families as string[]).includes('mlp'))
    assert.match((plan.notes as string[]).join('\n'), /color: categorical \(3 values\)/)
    const result = out.find((e) => e.event === 'result') as Event & {
      sweep: { id: string; state: string; leaderboard: { params: Record<string, unknown> }[] }
      ensemble: {
        model: string
        version: number
        members: { weight: number }[]
        evaluation: { accuracy: number }
        importance: { feature: string }[]
        refit?: { rows: number; members: { label: string }[] }
      }
      endpoint: string
    }
    assert.is(result.sweep.state, 'succeeded')
    assert.ok(result.sweep.leaderboard.length >= 2, `${result.sweep.leaderboard.length} trials`)
    // Conditional params: each trial names its family as the whole model section.
    for (const row of result.sweep.leaderboard) assert.ok('model' in row.params, JSON.stringify(row.params))
    const ens = result.ensemble
    assert.is(ens.model, 'autopilot-shop')
    const total = ens.members.reduce((s, m) => s + m.weight, 0)
    assert.ok(Math.abs(total - 1) < 1e-9, `weights sum to ${total}`)
    // A table's members refit in well under a second: the budget's last tenth (3 s) is plenty.
    assert.is(
      ens.refit?.members.length,
      ens.members.length,
      `each member trained again on training + validation rows: ${JSON.stringify(ens.refit)}`,
    )
    assert.ok(ens.evaluation.accuracy > 0.7, `test accuracy ${ens.evaluation.accuracy}`)
    assert.is(ens.importance.length, 4, 'every feature has an importance')
    assert.is(result.endpoint, 'autopilot-shop')
    // The endpoint answers what the registered files predict.
    const models = new ModelsClient(ctx.nc!)
    const { record } = await models.show(`${ens.model}@${ens.version}`)
    const local = await loadPredictor(await models.files(record), 'registered', MODEL_KINDS)
    const x = Float32Array.from([0.9, 0.5, 2, 3, -0.9, -0.5, 0, 1])
    const want = await local.predict(x, 2)
    local.dispose()
    const served = await waitFor(
      'the endpoint to serve',
      () =>
        predict(ctx.http!.url, 'autopilot-shop', [{ name: 'input', shape: [2, 4], data: x }]).catch(() => undefined),
      60_000,
      250,
    )
    assert.equal(served.outputs[0]!.shape, [2, 2])
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(served.outputs[0]!.data[i]! - want[i]!) < 1e-5, `output ${i}`)
    assert.ok(
      served.outputs[0]!.data[1]! > 0.5 && served.outputs[0]!.data[2]! > 0.5,
      'yes for the first row, no for the second',
    )

    // The same command again picks up the same sweep and ensemble: nothing new runs.
    const again = await runKiln(args, ctx.dir!)
    assert.is(again.code, 0, again.stderr)
    const second = events(again.stdout)
    assert.is((second.find((e) => e.event === 'sweep') as { created: boolean }).created, false)
    assert.is((second.find((e) => e.event === 'ensemble') as { created: boolean }).created, false)
    const after = await new SweepsClient(ctx.nc!).show(result.sweep.id)
    assert.is(after.trials.length, result.sweep.leaderboard.length, 'no trial was added')
    const versions = await models.list('autopilot-shop')
    assert.is(versions.length, 2, 'the sweep best and the ensemble, registered once each')
  },
)

ap(
  'a CSV stored by kiln data import (its text column as categories): networks one-hot it, the ensemble serves raw rows',
  async (ctx) => {
    const csv = writeTable(ctx.dir!, 'stored.csv', 5)
    const url = ['--nats', ctx.nats!.url]
    const imported = await runKiln(['data', 'import', csv, '--name', 'shopcat', ...url], ctx.dir!)
    assert.is(imported.code, 0, `${imported.stdout}\n${imported.stderr}`)
    const run = await runKiln(['autopilot', 'shopcat', '--budget', '30s', '--deploy', '--json', ...url], ctx.dir!)
    assert.is(run.code, 0, `${run.stdout}\n${run.stderr}`)
    const result = events(run.stdout).find((e) => e.event === 'result') as Event & {
      sweep: { id: string }
      ensemble: { model: string; version: number; members: { weight: number }[] }
      endpoint: string
    }
    const trials = (await new SweepsClient(ctx.nc!).show(result.sweep.id)).trials
    // Before: every trial was refused (preprocessing.oneHot: the text feature "color" left as it is).
    const failed = trials.filter((t) => t.state === 'failed')
    assert.is(failed.length, 0, failed.map((t) => t.error?.message).join('\n'))
    const networks = trials.filter((t) => {
      const model = t.params?.model as { builtin?: string } | undefined
      return t.state === 'succeeded' && (model?.builtin === 'mlp' || model?.builtin === 'linear')
    })
    assert.ok(networks.length > 0, `a network trial succeeded (${trials.map((t) => t.state).join(', ')})`)
    for (const t of networks) {
      const pre = t.params!.preprocessing as { oneHot?: unknown }
      assert.is(pre?.oneHot, 'all', `trial ${t.id} one-hot encodes color: ${JSON.stringify(t.params)}`)
    }

    // Offline: each member of the registered ensemble on its own, its saved preprocessing
    // applied by hand to the raw rows; the endpoint must answer their weighted average.
    const models = new ModelsClient(ctx.nc!)
    const { record } = await models.show(`${result.ensemble.model}@${result.ensemble.version}`)
    const files = await models.files(record)
    const info = JSON.parse(new TextDecoder().decode(files.get('ensemble.json'))) as {
      sampleShape: number[]
      members: { prefix: string; weight: number }[]
    }
    assert.equal(info.sampleShape, [4], 'the ensemble takes the raw features')
    // x1, x2, color (blue 0, green 1, red 2), noise.
    const x = Float32Array.from([0.9, 0.5, 2, 3, -0.9, -0.5, 0, 1])
    const want = new Float32Array(4)
    for (const m of info.members) {
      const own = filesUnder(files, m.prefix)
      const meta = JSON.parse(new TextDecoder().decode(own.get('kiln-model.json'))) as KilnModelMetadata
      assert.ok(meta.preprocessing, `member ${m.prefix} carries its preprocessing`)
      assert.is(meta.preprocessing.oneHot.length, 1, 'color is one-hot encoded')
      own.delete('kiln-model.json')
      const bare = await loadPredictor(own, m.prefix, [gbdtKind, tfjsKind])
      const part = await bare.predict(applyPreprocessing(meta.preprocessing, x, 2), 2)
      bare.dispose()
      for (let k = 0; k < 4; k++) want[k]! += m.weight * part[k]!
    }
    const local = await loadPredictor(files, 'registered', MODEL_KINDS)
    const loaded = await local.predict(x, 2)
    local.dispose()
    for (let k = 0; k < 4; k++) assert.ok(Math.abs(loaded[k]! - want[k]!) < 1e-5, `loaded output ${k}`)
    const served = await waitFor(
      'the endpoint to serve',
      () => predict(ctx.http!.url, result.endpoint, [{ name: 'input', shape: [2, 4], data: x }]).catch(() => undefined),
      60_000,
      250,
    )
    for (let k = 0; k < 4; k++)
      assert.ok(
        Math.abs(served.outputs[0]!.data[k]! - want[k]!) < 1e-5,
        `served output ${k}: ${served.outputs[0]!.data[k]} vs ${want[k]}`,
      )
  },
)

ap('a worker killed mid-autopilot: its trial runs again elsewhere and the run ends with an ensemble', async (ctx) => {
  const env = { KILN_THREADS: '1' }
  const w3 = startKiln(
    ['worker', '--nats', ctx.nats!.url, '--slots', '1', '--name', 'w3', '--cache', join(ctx.dir!, 'cache3')],
    env,
  )
  ctx.procs!.push(w3)
  const nodeId = (await w3.ready).nodeId as string
  const csv = writeTable(ctx.dir!, 'kill.csv', 9)
  const running = runKiln(['autopilot', csv, '--budget', '40s', '--json', '--nats', ctx.nats!.url], ctx.dir!)
  const sweeps = new SweepsClient(ctx.nc!)
  const victim = await waitFor(
    'a trial running on w3',
    async () => {
      const sweep = (await sweeps.list()).find((s) => s.name === 'autopilot-kill')
      if (!sweep) return undefined
      return (await sweeps.show(sweep.id)).trials.find((t) => t.state === 'running' && t.node?.nodeId === nodeId)
    },
    90_000,
    100,
  )
  await w3.kill9()
  const run = await running
  assert.is(run.code, 0, `${run.stdout}\n${run.stderr}`)
  const result = events(run.stdout).find((e) => e.event === 'result') as Event & {
    sweep: { id: string }
    ensemble?: { version: number }
  }
  assert.ok(result.ensemble, 'an ensemble was registered')
  const trials = (await sweeps.show(result.sweep.id)).trials
  const again = trials.find((t) => t.id === victim.id)!
  assert.ok(['succeeded', 'failed', 'cancelled'].includes(again.state), `the killed trial ended (${again.state})`)
  assert.ok(
    again.attempts >= 2 || again.state === 'cancelled',
    `the killed trial ran again (attempts ${again.attempts})`,
  )
  assert.ok(
    trials.every((t) => ['succeeded', 'failed', 'cancelled'].includes(t.state)),
    'every trial ended',
  )
})

ap.run()
