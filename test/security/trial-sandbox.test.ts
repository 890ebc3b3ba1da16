// Finding 4 of issue 13 and the sandboxed trials: a script trial (code from any client)
// runs in its own process, as another user and in bubblewrap where the machine allows,
// with a scrubbed environment and an empty working folder: it cannot read the worker's
// credentials or the cluster's files, nor reach the network. Its output goes to its own
// log stream; a trial over its memory or time limit is killed and says why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bundleTrialScript, uploadBundle } from '@kiln/bundle'
import { JobsClient } from '@kiln/client'
import { ensureLayout, readSubject } from '@kiln/cluster-state'
import { importDataset, resolveDataset } from '@kiln/data'
import { LogLineSchema, decode, type LogLine, type TrialRecord } from '@kiln/protocol'
import { chooseSandbox } from '@kiln/worker'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startSecureCluster, type SecureCluster } from './secure-cluster.js'

type Ctx = { c?: SecureCluster; dir?: string; datasetId?: string }
const sandbox = suite<Ctx>('security - script trials run sandboxed, with limits')
const mode = chooseSandbox().mode
const SECRET = 'env-secret-of-the-worker-0123456789'

sandbox.before(
  loud(async (ctx) => {
    process.env.KILN_NATS_PASSWORD = SECRET
    ctx.c = await startSecureCluster({ slots: 2 })
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-sandbox-'))
    const lines = ['a,b,label', ...Array.from({ length: 32 }, (_, i) => `${i % 5},${(i * 3) % 7},${i % 2}`)]
    writeFileSync(join(ctx.dir, 'tiny.csv'), `${lines.join('\n')}\n`)
    const layout = await ensureLayout(ctx.c.nc.client)
    const source = join(ctx.dir, 'tiny.csv')
    ctx.datasetId = (
      await importDataset(layout.objects.datasets, await resolveDataset(source), { name: 'tiny', source })
    ).id
  }),
)
sandbox.after(
  loud(async (ctx) => {
    delete process.env.KILN_NATS_PASSWORD
    await ctx.c?.close()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

// Bundles `source` as a trial script, submits it, and waits for its end and its log.
async function runScript(
  ctx: Ctx,
  name: string,
  source: string,
  extra: Record<string, unknown> = {},
): Promise<{ trial: TrialRecord; logs: LogLine[] }> {
  const file = join(ctx.dir!, `${name}.mjs`)
  writeFileSync(file, source)
  const nc = ctx.c!.nc.client
  const layout = await ensureLayout(nc)
  const bundle = await bundleTrialScript(file)
  const bundleId = await uploadBundle(layout.objects.bundles, bundle)
  const client = new JobsClient(nc)
  const { job } = await client.submit(
    {
      name,
      dataset: 'tiny',
      model: { script: bundle.entry },
      training: { epochs: 1, batchSize: 8, validationSplit: 0, testSplit: 0 },
      metric: { name: 'score', mode: 'max' },
      ...extra,
    },
    { datasetId: ctx.datasetId!, bundleId },
  )
  const trial = await waitFor(
    `trial of ${name} to end`,
    async () => {
      const t = (await client.show(job.trialIds[0]!)).trial
      return t && ['succeeded', 'failed', 'cancelled'].includes(t.state) ? t : undefined
    },
    120_000,
    100,
  )
  const logs: LogLine[] = []
  for await (const bytes of readSubject(nc, 'KILN_LOGS', `kiln.logs.${trial.id}`))
    logs.push(decode(LogLineSchema, bytes))
  return { trial, logs }
}

const test = mode === 'none' ? sandbox.skip : sandbox
if (mode === 'none')
  console.log('  (skipped: no sandbox on this machine: install bubblewrap, or run the worker as root)')

test('a script trial cannot read the worker credentials, the cluster files or its environment', async (ctx) => {
  const rs = ctx.c!.roles!
  const port = new URL(rs.server.url).port
  const probe = `import { readFileSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
const tryRead = (p) => { try { return readFileSync(p, 'utf8').slice(0, 200) } catch (e) { return 'denied ' + e.code } }
export default async function (ctx) {
  console.log(JSON.stringify({
    creds: tryRead(${JSON.stringify(join(rs.dir, 'creds', 'admin.creds'))}),
    nodeCreds: tryRead(${JSON.stringify(rs.nodeCreds['node-1'])}),
    natsConf: tryRead(${JSON.stringify(rs.server.dir + '/nats.conf')}),
    env: process.env,
    cwd: process.cwd(),
    cwdFiles: readdirSync('.'),
    uid: process.getuid(),
  }))
  const net = await new Promise((ok) => {
    const s = connect(${port}, '127.0.0.1')
    s.once('connect', () => { s.destroy(); ok('connected') })
    s.once('error', (e) => ok('refused ' + e.code))
  })
  console.error('network: ' + net)
  await ctx.report({ score: 1 })
}
`
  const { trial, logs } = await runScript(ctx, 'probe', probe)
  assert.is(trial.state, 'succeeded', trial.error?.message)
  const all = logs.map((l) => l.msg).join('\n')
  assert.not.match(all, SECRET, 'the worker environment reached the trial')
  for (const u of rs.users) assert.not.match(all, u.password, `the ${u.role} password reached the trial`)
  assert.not.match(all, /KILN_NODE_ID|KILN_NATS_NKEY|SU[A-Z2-7]{56}/, 'a node seed reached the trial')
  const seen = JSON.parse(logs.find((l) => l.msg.startsWith('{"creds"'))!.msg) as Record<string, unknown>
  assert.match(String(seen.creds), /^denied/, 'admin.creds')
  assert.match(String(seen.nodeCreds), /^denied/, 'the node credential')
  assert.match(String(seen.natsConf), /^denied/, 'nats.conf')
  assert.equal(seen.cwdFiles, [], 'an empty working folder')
  assert.not.equal(seen.uid, process.getuid(), 'another user than the worker')
  assert.equal(
    Object.keys(seen.env as object).filter((k) => k.startsWith('KILN_NATS')),
    [],
  )
  if (mode === 'bwrap')
    assert.ok(
      logs.some((l) => l.level === 'warn' && /^network: refused/.test(l.msg)),
      logs.map((l) => l.msg).join('\n'),
    )
})

test("console output becomes the trial's log lines, with their times", async (ctx) => {
  const before = Date.now()
  const { trial, logs } = await runScript(
    ctx,
    'chatty',
    `export default async function (ctx) {
  console.log('line one'); console.warn('a warning'); console.log('line two')
  await ctx.report({ score: 1 })
}
`,
  )
  assert.is(trial.state, 'succeeded', trial.error?.message)
  const lines = logs.filter((l) => /^(line|a warning)/.test(l.msg))
  assert.equal(
    lines.map((l) => [l.level, l.msg]),
    [
      ['info', 'line one'],
      ['warn', 'a warning'],
      ['info', 'line two'],
    ],
  )
  for (const l of lines) {
    const at = Date.parse(l.time)
    assert.ok(at >= before && at <= Date.now(), `time ${l.time}`)
  }
})

test('a trial over resources.memoryMb is killed and its record says so', async (ctx) => {
  const { trial } = await runScript(
    ctx,
    'hungry',
    `export default async function (ctx) {
  const keep = []
  for (;;) { keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((ok) => setTimeout(ok, 5)) }
}
`,
    { resources: { memoryMb: 200 } },
  )
  assert.is(trial.state, 'failed')
  assert.match(String(trial.error?.message), /killed: memory limit of 200 MB \(resources.memoryMb\) exceeded/)
})

test('a trial over resources.timeout is killed and its record says so', async (ctx) => {
  const { trial } = await runScript(
    ctx,
    'sleepy',
    `export default async function () { await new Promise(() => setInterval(() => {}, 1000)) }
`,
    { resources: { timeout: 3 } },
  )
  assert.is(trial.state, 'failed')
  assert.match(String(trial.error?.message), /killed: time limit of 3 s \(resources.timeout\) exceeded/)
})

test('a data-parallel script trial trains across two sandboxed ranks (the agent relays its ring)', async (ctx) => {
  const { trial } = await runScript(
    ctx,
    'ranks',
    `import * as tf from '@tensorflow/tfjs'
export default async function (ctx) {
  const { train, sampleShape, numClasses } = await ctx.data()
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: sampleShape, units: numClasses, activation: 'softmax' })] })
  model.compile({ optimizer: ctx.distributed(ctx.optimizer()), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 4, callbacks: ctx.callbacks(), yieldEvery: 'never' })
  return model
}
`,
    {
      metric: { name: 'loss', mode: 'min' },
      resources: { replicas: 2 },
      training: { epochs: 2, batchSize: 4, validationSplit: 0, testSplit: 0 },
    },
  )
  assert.is(trial.state, 'succeeded', trial.error?.message)
  assert.equal(trial.model, { name: 'ranks', version: 1 })
  assert.is(trial.ranks?.length, 2, JSON.stringify(trial.ranks))
})

sandbox.run()
