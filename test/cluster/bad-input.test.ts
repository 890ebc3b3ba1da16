// Malformed specs and messages at every edge of the coordinator and the worker: each gets an
// error naming the field and what was expected, nothing is stored, and both keep serving.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { JobsClient } from '@kiln/client'
import { ensureLayout } from '@kiln/cluster-state'
import { Subjects, decode, encode, type KilnError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  worker?: WorkerAgent
  client?: JobsClient
}
const bad = suite<Ctx>('cluster - bad specs and messages')
const quiet = () => {}
const layout = { heartbeatMs: 250, leaseTtlMs: 2000 }

bad.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout, log: quiet })
    await ctx.coord.leading()
    ctx.worker = await startWorker({
      nc: ctx.ncs[1]!,
      slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
      layout,
      log: quiet,
    })
    ctx.client = new JobsClient(ctx.ncs[2]!)
  }),
)
bad.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

/** Sends raw bytes and returns the error the reply carries (failing if it is a success). */
async function refusal(nc: NatsConnection, subject: string, bytes: Uint8Array): Promise<KilnError> {
  const msg = await nc.request(subject, bytes, { timeout: 5000 })
  const r = decode<{ ok: boolean; error?: KilnError }>(msg.data)
  assert.is(r.ok, false, `${subject} accepted ${JSON.stringify(r).slice(0, 200)}`)
  return r.error!
}

const good = { name: 'ok', dataset: 'fashion-mnist', model: { builtin: 'mlp' } }

const specCases: Array<[string, unknown, RegExp]> = [
  ['a spec that is not a mapping', 'just text', /spec/],
  ['a missing dataset', { name: 'x', model: { builtin: 'mlp' } }, /dataset/],
  ['an unknown builtin model', { ...good, model: { builtin: 'resnet9000' } }, /model\.builtin/],
  ['a negative epoch count', { ...good, training: { epochs: -3 } }, /training\.epochs/],
  [
    'a learning rate that is a string',
    { ...good, optimizer: { name: 'adam', learningRate: 'fast' } },
    /optimizer\.learningRate/,
  ],
  ['an unknown optimizer', { ...good, optimizer: { name: 'adamw9' } }, /optimizer\.name/],
  ['a misspelled top-level key', { ...good, trainig: { epochs: 1 } }, /trainig/],
  ['a bad job name', { ...good, name: 'Has Spaces!' }, /name/],
  ['zero replicas', { ...good, resources: { replicas: 0 } }, /resources\.replicas/],
]

bad('malformed job specs are refused naming the field, and no job is stored', async ({ client, ncs }) => {
  const before = (await client!.jobs()).length
  for (const [what, spec, field] of specCases) {
    const err = await refusal(ncs![2]!, Subjects.api.submit, encode({ v: 1, spec }))
    assert.is(err.code, 'invalid_argument', what)
    assert.match(err.message, field, `${what}: ${err.message}`)
  }
  assert.is((await client!.jobs()).length, before, 'nothing stored')
  const kv = (await ensureLayout(ncs![2]!, layout)).kv
  let trials = 0
  for await (const _ of await kv.trials.keys()) trials++
  assert.is(trials, 0)
})

bad('malformed messages to the coordinator are refused naming the field', async ({ ncs, client }) => {
  const nc = ncs![2]!
  const cases: Array<[string, string, Uint8Array, RegExp]> = [
    ['bytes that are not msgpack', Subjects.api.submit, new Uint8Array([0xc1, 0xff, 0x00]), /submit/],
    ['a message of another protocol version', Subjects.api.submit, encode({ v: 99, spec: good }), /submit\.v/],
    ['a list of an unknown kind', Subjects.api.list, encode({ v: 1, what: 'everything' }), /list\.what/],
    ['a show with an id that is not a token', Subjects.api.show, encode({ v: 1, id: 'a.b.>' }), /show\.id/],
    ['a cancel of nothing known', Subjects.api.cancel, encode({ v: 1, id: 'job-nope' }), /job-nope/],
    [
      'a trial status with a bad state',
      Subjects.trial.status('t1', 'n'),
      encode({ v: 1, trialId: 't1', nodeId: 'n', attempt: 1, state: 'exploded' }),
      /status\.state/,
    ],
    [
      'a trial status for an unknown trial',
      Subjects.trial.status('t1', 'n'),
      encode({ v: 1, trialId: 't1', nodeId: 'n', attempt: 1, state: 'running' }),
      /t1/,
    ],
    [
      'a report without metrics',
      Subjects.trial.report('t1', 'n'),
      encode({ v: 1, trialId: 't1', nodeId: 'n', attempt: 1, epoch: 1 }),
      /report\.metrics/,
    ],
  ]
  for (const [what, subject, bytes, field] of cases) {
    const err = await refusal(nc, subject, bytes)
    assert.match(`${err.message}`, field, `${what}: ${err.message}`)
  }
  // A garbage heartbeat is ignored, not fatal: the coordinator still answers.
  nc.publish(Subjects.node.heartbeat('ghost'), new Uint8Array([1, 2, 3]))
  assert.ok((await client!.status()).leader)
})

bad(
  'malformed commands to a worker are refused naming the field, and it keeps running',
  async ({ ncs, worker, client }) => {
    const nc = ncs![2]!
    const subject = Subjects.node.command(worker!.nodeId)
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['an unknown command', encode({ v: 1, kind: 'explode' }), /command/],
      [
        'an assignment without a spec',
        encode({ v: 1, kind: 'assign', assignment: { v: 1, trialId: 't', jobId: 'j', slotId: 'cpu0', attempt: 1 } }),
        /assignment\.spec/,
      ],
      [
        'an assignment to a slot it does not have',
        encode({
          v: 1,
          kind: 'assign',
          assignment: { v: 1, trialId: 't', jobId: 'j', slotId: 'gpu7', attempt: 1, spec: good },
        }),
        /gpu7/,
      ],
    ]
    for (const [what, bytes, field] of cases) {
      const err = await refusal(nc, subject, bytes)
      assert.match(err.message, field, `${what}: ${err.message}`)
    }
    assert.equal(worker!.running(), [])
    assert.ok((await client!.nodes()).some((n) => n.nodeId === worker!.nodeId && n.live))
  },
)

bad.run()
