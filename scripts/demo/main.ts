// `npm run demo`: the whole lifecycle on this machine, in one command. Starts a local
// cluster (nats-server, coordinator, 2 workers, gateway), imports Fashion-MNIST, runs an
// ASHA sweep over MLP and CNN models (the dashboard shows it on a terminal, progress lines
// otherwise), deploys the best model, classifies the 10,000 test images through the Open
// Inference Protocol, and prints accuracy, latency and where to look next. The cluster
// keeps running unless --exit.
//   npm run demo [-- --quick] [--exit] [--plain] [--dir DIR]
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { connectKiln, SweepsClient } from '@kiln/client'
import { readClusterFile } from '@kiln/local'
import { isTerminal, type SweepRecord } from '@kiln/protocol'
import { inferTestSet } from './infer.js'
import { jsonLines, kiln, REPO } from './kiln-cli.js'
import { followSweep } from './sweep-progress.js'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    exit: { type: 'boolean' },
    plain: { type: 'boolean' },
    dir: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (flags.help) {
  console.log(`Usage: npm run demo [-- --quick] [--exit] [--plain] [--dir DIR]

  --quick   a shorter sweep (4 trials on 6,000 samples): about a minute of training
  --exit    stop the cluster at the end (kiln down); by default it keeps running
  --plain   progress lines instead of the dashboard, even on a terminal
  --dir D   where the cluster keeps its state (D/.kiln; default the repository)`)
  process.exit(0)
}

const started = Date.now()
const dir = resolve(flags.dir ?? REPO)
const spec = join(REPO, 'examples', 'demo-sweep.yaml')
const clock = () => `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s]`
const say = (line: string) => console.log(`${clock()} ${line}`)
const QUICK = ['search.maxTrials=4', 'training.limit=6000', 'training.epochs=2', 'search.scheduler.maxT=2']

async function sweepWithDashboard(sweep: SweepRecord): Promise<SweepRecord> {
  const nc = await connectKiln({ cwd: dir, name: 'kiln-demo' })
  try {
    if (process.stdout.isTTY && !flags.plain) {
      const { runDashboard } = await import('@kiln/dashboard')
      const { prepareSubmission } = await import('../../packages/cli/src/submission.js')
      const info = readClusterFile(join(dir, '.kiln'))
      // The dashboard closes by itself a few seconds after the sweep ends (q closes it sooner).
      await runDashboard({
        nc,
        specDir: join(REPO, 'examples'),
        server: nc.getServer(),
        initialView: 'runs',
        initialRun: { kind: 'sweep', id: sweep.id },
        prepare: (path, sets) => prepareSubmission(nc, path, sets),
        ...(info?.gatewayUrl ? { gatewayUrl: info.gatewayUrl } : {}),
        until: (s) => {
          const now = s.sweeps.get(sweep.id)
          return now !== undefined && isTerminal(now.state) && s.now - now.updatedAt > 3000
        },
      })
      const client = new SweepsClient(nc)
      for (;;) {
        const { sweep: now } = await client.show(sweep.id)
        if (isTerminal(now.state)) return now
        say('waiting for the sweep to end (the dashboard was closed early)')
        await followSweep(nc, sweep.id, sweep.jobId, say, 15 * 60_000)
      }
    }
    return await followSweep(nc, sweep.id, sweep.jobId, say, (flags.quick ? 6 : 12) * 60_000)
  } finally {
    await nc.close()
  }
}

async function main(): Promise<void> {
  say(`starting a local cluster in ${join(dir, '.kiln')} (nats-server, coordinator, 2 workers, gateway)`)
  await kiln(['up', '--workers', '2', '--detach'], dir, { echo: true })
  const info = readClusterFile(join(dir, '.kiln'))
  if (!info?.gatewayUrl) throw new Error(`${join(dir, '.kiln', 'cluster.json')} names no gateway`)

  say('importing Fashion-MNIST into the cluster (stored once, by content)')
  await kiln(['data', 'import', 'fashion-mnist'], dir, { echo: true })

  const sets = flags.quick ? QUICK : []
  say(`launching the sweep ${spec}${sets.length ? ` with ${sets.join(' ')}` : ''}`)
  const submitted = jsonLines(
    (await kiln(['sweep', spec, '--json', ...sets.flatMap((s) => ['--set', s])], dir)).stdout,
  ).find((e) => e.event === 'submitted')?.sweep as SweepRecord | undefined
  if (!submitted) throw new Error('kiln sweep printed no submitted sweep')
  say(
    `sweep ${submitted.id}: ${submitted.algorithm} search, ${submitted.scheduler} scheduler, ${submitted.maxTrials} trials`,
  )
  const sweep = await sweepWithDashboard(submitted)
  const best = sweep.best
  say(`sweep ${sweep.state}: ${sweep.endReason ?? ''}`)
  if (!sweep.model || !best)
    throw new Error(
      `the sweep ended (${sweep.state}) without a best model${sweep.endReason ? `: ${sweep.endReason}` : ''}`,
    )
  say(
    `best trial ${best.trialId}: ${sweep.metric.name} ${best.value.toFixed(4)}, registered as ${sweep.model.name}@${sweep.model.version}`,
  )

  say(`deploying ${sweep.model.name}@${sweep.model.version} behind the endpoint "fashion"`)
  await kiln(['deploy', `${sweep.model.name}@${sweep.model.version}`, '--endpoint', 'fashion'], dir, { echo: true })

  say(`sending the Fashion-MNIST test images to ${info.gatewayUrl}/v2/models/fashion/infer (Open Inference Protocol)`)
  const r = await inferTestSet(info.gatewayUrl, 'fashion')
  console.log('')
  console.log(
    `  test accuracy   ${(r.accuracy * 100).toFixed(2)}% of ${r.images.toLocaleString('en-US')} images (served by ${r.model})`,
  )
  console.log(`  latency         p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms per request (8 in flight)`)
  console.log(
    `  throughput      ${Math.round(r.perSecond).toLocaleString('en-US')} requests/s over ${r.seconds.toFixed(1)} s`,
  )
  console.log(`  total time      ${Math.round((Date.now() - started) / 1000)} s`)
  console.log('')
  if (flags.exit) {
    say('stopping the cluster (--exit)')
    await kiln(['down'], dir, { echo: true })
    return
  }
  const here = dir === REPO ? '' : `cd ${dir} && `
  console.log(`The cluster is still running. Next:
  ${here}pnpm kiln dash                    live dashboard: nodes, the sweep and its charts, endpoints, logs
  ${here}pnpm kiln sweep show ${sweep.id}   the leaderboard
  curl ${info.gatewayUrl}/v2/models/fashion     the endpoint's metadata (POST .../infer to classify)
  curl ${info.gatewayUrl}/metrics               Prometheus metrics: requests, latency, drift
  ${here}pnpm kiln down                    stop the cluster (its data stays in .kiln/)`)
}

main().catch(async (err: unknown) => {
  console.error(`demo failed: ${(err as Error).message ?? err}`)
  if (flags.exit && existsSync(join(dir, '.kiln', 'cluster.json'))) await kiln(['down'], dir).catch(() => undefined)
  process.exit(1)
})
