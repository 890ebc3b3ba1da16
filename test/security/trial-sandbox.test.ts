// Finding 4 of issue 13 and the sandboxed trials: a script trial (code from any client)
// runs in its own process, as another user and in bubblewrap where the machine allows,
// with a scrubbed environment and an empty working folder: it cannot read the worker's
// credentials or the cluster's files, nor reach the network. Its output goes to its own
// log stream; a trial over its memory or time limit is killed and says why.
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chooseSandbox } from '@kiln/worker'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startScriptCluster, type ScriptCluster } from './script-trials.js'

type Ctx = { s?: ScriptCluster }
const sandbox = suite<Ctx>('security - script trials run sandboxed, with limits')
const mode = chooseSandbox().mode
const SECRET = 'env-secret-of-the-worker-0123456789'

sandbox.before(
  loud(async (ctx) => {
    process.env.KILN_NATS_PASSWORD = SECRET
    ctx.s = await startScriptCluster({ slots: 2 })
  }),
)
sandbox.after(
  loud(async (ctx) => {
    delete process.env.KILN_NATS_PASSWORD
    await ctx.s?.close()
  }),
)

const runScript = (ctx: Ctx, name: string, source: string, extra?: Record<string, unknown>) =>
  ctx.s!.run(name, source, extra)

const test = mode === 'none' ? sandbox.skip : sandbox
if (mode === 'none')
  console.log('  (skipped: no sandbox on this machine: install bubblewrap, or run the worker as root)')

test('a script trial cannot read the worker credentials, the cluster files or its environment', async (ctx) => {
  const rs = ctx.s!.c.roles!
  const port = new URL(rs.server.url).port
  const probe = `import { readFileSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
const tryRead = (p) => { try { return readFileSync(p, 'utf8').slice(0, 200) } catch (e) { return 'denied ' + e.code } }
export default async function (ctx) {
  console.log(JSON.stringify({
    creds: tryRead(${JSON.stringify(join(rs.dir, 'creds', 'admin.creds'))}),
    nodeCreds: tryRead(${JSON.stringify(rs.nodeCreds['node-1'])}),
    natsConf: tryRead(${JSON.stringify(`${rs.server.dir}/nats.conf`)}),
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

test('after a script trial each free slot has a loaded process waiting; the next trial takes one, never reused', async (ctx) => {
  const worker = ctx.s!.c.worker
  const first = await runScript(
    ctx,
    'marks',
    `export default async function (ctx) { globalThis.kilnMark = 'left by marks'; await ctx.report({ score: 1 }) }\n`,
  )
  assert.is(first.trial.state, 'succeeded', first.trial.error?.message)
  await waitFor('a loaded process waiting on each slot', () => worker.trialProcesses().ready === 2, 120_000)
  const before = worker.trialProcesses()
  const { trial, logs } = await runScript(
    ctx,
    'looks',
    `export default async function (ctx) { console.log('mark: ' + String(globalThis.kilnMark)); await ctx.report({ score: 1 }) }\n`,
  )
  assert.is(trial.state, 'succeeded', trial.error?.message)
  assert.is(worker.trialProcesses().prestarted, before.prestarted + 1, JSON.stringify(worker.trialProcesses()))
  assert.is(worker.trialProcesses().cold, before.cold)
  assert.ok(
    logs.some((l) => l.msg === 'mark: undefined'),
    logs.map((l) => l.msg).join('\n'),
  )
  await waitFor('the used process replaced', () => worker.trialProcesses().ready === 2, 120_000)
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

test('a data-parallel script trial trains across two sandboxed ranks (the agent relays its ring), without the node credential', async (ctx) => {
  const { trial, logs } = await runScript(
    ctx,
    'ranks',
    `import * as tf from '@tensorflow/tfjs'
import { getHeapSnapshot } from 'node:v8'
export default async function (ctx) {
  // Whatever its process was given is somewhere in its heap: look for a node seed there.
  let seeds = 0
  let carry = ''
  for await (const chunk of getHeapSnapshot()) {
    const text = carry + chunk
    seeds += (text.match(/SU[A-Z2-7]{56}/g) ?? []).length
    carry = text.slice(-57)
  }
  console.log('seeds in heap: ' + seeds)
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
  const seen = logs.filter((l) => l.msg.startsWith('seeds in heap: ')).map((l) => l.msg)
  assert.equal(seen, ['seeds in heap: 0', 'seeds in heap: 0'], 'a rank was given the node credential')
})

sandbox.run()
