// bench:cluster — the control plane of a local cluster: nats-server, a coordinator and two
// workers, each its own `kiln` process, as `kiln up` runs them.
//   1. dispatch: no-op trials dispatched and completed per second (noop-trial.mjs reports
//      one value and returns no model: placement, assignment, the trial's sandboxed process,
//      the dataset load, a report with its decision and every status update happen; no
//      training), and, for comparison, the same for builtin trials (in threads) that train a
//      4-16-2 MLP one epoch on 32 samples and store the model. Both are submitted as
//      `kiln submit` does: the script bundled, the dataset imported into the cluster's store;
//   2. failover: from a worker's kill -9 to its trial running again on the other worker,
//      beside the heartbeat timeout the coordinator waits before declaring a node lost.
// Flags: --json, --trials N (default 200), --slots N per worker (default 2), --heartbeat MS,
// --trial builtin|script (one kind only).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import { bundleTrialScript, uploadBundle } from '@kiln/bundle'
import { JobsClient } from '@kiln/client'
import { ensureLayout } from '@kiln/cluster-state'
import { importDataset, resolveDataset } from '@kiln/data'
import { decode } from '@kiln/protocol'
import { startNatsServer } from '@kiln/local'
import { kilnProcesses } from './kiln-processes.js'
import { parseFlags, report, round, takeFlag } from './common.js'

const argv = process.argv.slice(2)
// --trial builtin|script: measure one kind of trial only (both by default).
const only = takeFlag(argv, '--trial')
if (only !== undefined && only !== 'builtin' && only !== 'script') {
  process.stderr.write(`error: --trial expects builtin or script, got '${only}'\n`)
  process.exit(2)
}
const flags = parseFlags(argv, 0, ['--trials', '--slots', '--heartbeat'])
const trials = flags.extra['--trials'] ?? 200
const slots = flags.extra['--slots'] ?? 2
const heartbeat = flags.extra['--heartbeat'] ?? 500
const missedBeats = 3
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-cluster-'))

function csv(rows: number): string {
  const lines = ['a,b,c,d,label']
  for (let i = 0; i < rows; i++) lines.push(`${i % 7},${(i * 3) % 5},${i % 2},${(i * 7) % 11},${i % 2}`)
  return `${lines.join('\n')}\n`
}

const kiln = kilnProcesses(dir)
const start = kiln.start

try {
  writeFileSync(join(dir, 'tiny.csv'), csv(32))
  writeFileSync(join(dir, 'big.csv'), csv(40_000))
  const nats = await startNatsServer({ dir, jetstreamDir: join(dir, 'js') })
  const common = ['--nats', nats.url, '--heartbeat', String(heartbeat)]
  await start('coordinator', ['coordinator', ...common])
  const workers = await Promise.all(
    ['wa', 'wb'].map((n) =>
      start(n, ['worker', ...common, '--name', n, '--slots', String(slots), '--cache', join(dir, `cache-${n}`)]),
    ),
  )
  const nc = await connect({ servers: nats.url })
  const client = new JobsClient(nc, 30_000)
  while ((await client.nodes()).filter((n) => n.live).length < 2) await new Promise((ok) => setTimeout(ok, 50))

  // As `kiln submit` sends them: the dataset in the cluster's store, the script bundled.
  const layout = await ensureLayout(nc, { heartbeatMs: heartbeat })
  const tiny = await importDataset(layout.objects.datasets, await resolveDataset(join(dir, 'tiny.csv')), {
    name: 'tiny',
    source: 'bench',
  })
  const bundle = await bundleTrialScript(join(import.meta.dirname, 'noop-trial.mjs'))
  const bundleId = await uploadBundle(layout.objects.bundles, bundle)
  const spec = (name: string, dataset: string, epochs: number) => ({
    name,
    dataset,
    model: { builtin: 'mlp', hidden: [16] },
    optimizer: { name: 'adam', learningRate: 0.01 },
    training: { epochs, batchSize: 32, validationSplit: 0, testSplit: 0, seed: 1 },
    metric: { name: 'accuracy', mode: 'max' },
  })
  // Warm-up: every slot's thread has loaded tfjs once.
  const warm = await Promise.all(
    Array.from({ length: 2 * slots }, (_, k) => client.submit(spec(`warm-${k}`, 'tiny', 1), { datasetId: tiny.id })),
  )
  // Job states as the coordinator writes them to kiln_jobs, pushed here as they change.
  // Polling its job list every 20 ms instead took a third of a core from the cluster being
  // measured (the coordinator encoding, the bench decoding, every job each time).
  const states = new Map<string, string>()
  let changed = () => {}
  const jobWatch = await (await new Kvm(nc).open('kiln_jobs')).watch()
  void (async () => {
    for await (const e of jobWatch) {
      if (e.operation !== 'PUT' || e.value.length === 0) continue
      const job = decode(e.value) as { id: string; state: string }
      states.set(job.id, job.state)
      changed()
    }
  })()
  const terminal = ['succeeded', 'failed', 'cancelled']
  const settled = async (ids: string[]) => {
    while (ids.some((id) => !terminal.includes(states.get(id) ?? 'pending')))
      await new Promise<void>((ok) => {
        changed = ok
      })
    return ids.filter((id) => states.get(id) === 'succeeded').length
  }
  await settled(warm.map((w) => w.job.id))

  // Writes per trial by stream: every JetStream write (a KV put/update too) takes the next
  // sequence number of its stream, so last_seq deltas count them; each is an fsync here.
  const jsm = await jetstreamManager(nc)
  const seqs = async () => {
    const out = new Map<string, number>()
    for await (const s of jsm.streams.list()) out.set(s.config.name, s.state.last_seq)
    return out
  }
  const writesPer = (before: Map<string, number>, after: Map<string, number>, n: number) => {
    const out: Record<string, number> = {}
    let total = 0
    for (const [name, seq] of after) {
      const d = seq - (before.get(name) ?? 0)
      if (d > 0) out[name] = round(d / n, 2)
      total += d
    }
    return { ...out, total: round(total / n, 2) }
  }
  const noop = (name: string) => ({
    ...spec(name, 'tiny', 1),
    model: { script: bundle.entry },
    metric: { name: 'score', mode: 'max' },
  })
  // Builtin trials first: after its first script trial a worker keeps a sandboxed process
  // starting for every slot (about 1 s of CPU each), which would otherwise run during, and
  // be charged to, the builtin phase.
  const kinds = (['tiny-mlp', 'noop'] as const).filter(
    (k) => only === undefined || only === (k === 'noop' ? 'script' : 'builtin'),
  )
  for (const kind of kinds) {
    const seq0 = await seqs()
    const api0 = (await jsm.getAccountInfo()).api.total
    const t0 = performance.now()
    const submitted = await Promise.all(
      Array.from({ length: trials }, (_, k) =>
        kind === 'noop'
          ? client.submit(noop(`noop-${k}`), { datasetId: tiny.id, bundleId })
          : client.submit(spec(`mlp-${k}`, 'tiny', 1), { datasetId: tiny.id }),
      ),
    )
    const submitS = (performance.now() - t0) / 1000
    const ids0 = new Set(submitted.map((x) => x.job.id))
    const ok = await settled(submitted.map((s) => s.job.id))
    if (ok < trials) {
      const failed = (await client.jobs(10_000)).find((j) => ids0.has(j.id) && j.state !== 'succeeded')
      const trial = failed ? (await client.show(failed.trialIds[0]!)).trial : undefined
      console.error(
        `bench:cluster: ${trials - ok} ${kind} trials did not succeed, e.g. ${JSON.stringify(trial?.error ?? failed?.error)}`,
      )
    }
    const totalS = (performance.now() - t0) / 1000
    const writes = writesPer(seq0, await seqs(), trials)
    // JetStream API requests (stream and consumer lookups, creates, deletes): each is work
    // for the server that no write count shows.
    const apiCalls = round(((await jsm.getAccountInfo()).api.total - api0 - 1) / trials, 2)
    // Where a trial's time went: waiting for a slot, and from its start to its end.
    const ids = new Set(submitted.map((x) => x.job.trialIds[0]!))
    const done = (await client.trials()).filter((t) => ids.has(t.id) && t.timestamps.startedAt && t.timestamps.endedAt)
    const mean = (f: (t: (typeof done)[number]) => number) =>
      round(done.reduce((n, t) => n + f(t), 0) / Math.max(1, done.length), 1)
    const queueMs = mean((t) => t.timestamps.startedAt! - t.timestamps.createdAt)
    const runMs = mean((t) => t.timestamps.endedAt! - t.timestamps.startedAt!)
    report(flags, {
      bench: 'cluster',
      measure: 'dispatch',
      trial: kind,
      mean_queue_ms: queueMs,
      mean_run_ms: runMs,
      workers: 2,
      slots_per_worker: slots,
      trials,
      succeeded: ok,
      submit_s: round(submitS, 2),
      total_s: round(totalS, 2),
      trials_per_s: round(trials / totalS, 1),
      writes_per_trial: writes,
      js_api_calls_per_trial: apiCalls,
    })
  }

  // Failover: a long trial, its worker killed, the time until it runs again elsewhere.
  const { job } = await client.submit(spec('failover', join(dir, 'big.csv'), 50))
  const trialId = job.trialIds[0]!
  let running: Awaited<ReturnType<typeof client.show>>['trial']
  for (;;) {
    running = (await client.show(trialId)).trial
    if (running?.state === 'running' && running.checkpoint) break
    await new Promise((ok) => setTimeout(ok, 20))
  }
  const victim = workers.find((w) => w.output().includes(running!.node!.nodeId)) ?? workers[0]!
  const killedAt = performance.now()
  victim.child.kill('SIGKILL')
  for (;;) {
    const t = (await client.show(trialId)).trial!
    if (t.state === 'running' && t.attempts === 2) break
    await new Promise((ok) => setTimeout(ok, 10))
  }
  const recoveryS = (performance.now() - killedAt) / 1000
  const timeoutS = (heartbeat * missedBeats) / 1000
  report(flags, {
    bench: 'cluster',
    measure: 'failover',
    heartbeat_ms: heartbeat,
    heartbeat_timeout_s: timeoutS,
    recovery_s: round(recoveryS, 2),
    over_timeout_s: round(recoveryS - timeoutS, 2),
    target_s: timeoutS + 2,
  })
  await client.cancel(job.id)
  jobWatch.stop()
  await nc.close()
  kiln.killAll()
  await nats.stop()
} finally {
  kiln.killAll()
  rmSync(dir, { recursive: true, force: true })
}
