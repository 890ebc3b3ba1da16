import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  CancelRequestSchema,
  HeartbeatSchema,
  JobRecordSchema,
  JobSubmitRequestSchema,
  type KilnError,
  LogLineSchema,
  MAX_OPAQUE_BYTES,
  MetricReportSchema,
  NodeRegistrationSchema,
  NotFoundError,
  PROTOCOL_VERSION,
  TrialAssignmentSchema,
  TrialRecordSchema,
  ValidationError,
  apiReplySchema,
  decode,
  encode,
  replyError,
  replyOk,
  unwrapReply,
} from '@kiln/protocol'

const v = PROTOCOL_VERSION
const at = 1_700_000_000_123

const registration = {
  v,
  nodeId: 'node-a',
  name: 'gpu box',
  host: 'a.lan',
  version: '0.1.0',
  startedAt: at,
  slots: [
    { id: 'cpu0', kind: 'cpu', threads: 8 },
    { id: 'gpu0', kind: 'gpu', gpuIndex: 0, memoryMB: 81_559 },
  ],
}
const heartbeat = { v, nodeId: 'node-a', at, load: 0.75, busySlots: ['gpu0'], trials: [{ trialId: 't-1', epoch: 3 }] }
const submit = {
  v,
  spec: { name: 'fashion-mlp', training: { epochs: 10 } },
  datasetId: 'ds_fashion',
  idempotencyKey: 'k-42',
}
const timestamps = { createdAt: at, updatedAt: at + 5, startedAt: at + 1 }
const job = {
  v,
  id: 'j-1',
  state: 'running',
  attempts: 1,
  spec: submit.spec,
  trialIds: ['t-1'],
  timestamps,
  name: 'fashion-mlp',
}
const trial = {
  v,
  id: 't-1',
  jobId: 'j-1',
  state: 'running',
  attempts: 2,
  node: { nodeId: 'node-a', slotId: 'gpu0' },
  checkpoint: { name: 'j-1/t-1/epoch-3', epoch: 3, at },
  metrics: { loss: 0.31, val_accuracy: 0.88 },
  timestamps,
}
const assignment = {
  v,
  trialId: 't-1',
  jobId: 'j-1',
  slotId: 'gpu0',
  spec: submit.spec,
  attempt: 2,
  resumeFrom: trial.checkpoint,
}
const metric = { v, trialId: 't-1', epoch: 3, step: 1200, metrics: { loss: 0.31 }, at }
const log = {
  v,
  trialId: 't-1',
  time: '2026-01-02T03:04:05.678Z',
  level: 'info',
  component: 'trial',
  msg: 'epoch 3 done',
}
const cancel = { v, id: 'j-1', reason: 'user asked' }

const roundTrip = suite('protocol - message round trips')

roundTrip('every message survives encode and decode unchanged', () => {
  const pairs = [
    [NodeRegistrationSchema, registration],
    [HeartbeatSchema, heartbeat],
    [JobSubmitRequestSchema, submit],
    [JobRecordSchema, job],
    [TrialRecordSchema, trial],
    [TrialAssignmentSchema, assignment],
    [MetricReportSchema, metric],
    [LogLineSchema, log],
    [CancelRequestSchema, cancel],
  ] as const
  for (const [schema, msg] of pairs) {
    assert.equal(decode(schema, encode(schema, msg as never)), msg, schema.description)
  }
})

roundTrip('a data-parallel trial carries its ranks, its assignments their rank and world size', () => {
  const gang = {
    ...trial,
    ranks: [
      { rank: 0, nodeId: 'node-a', slotId: 'cpu0', state: 'running' },
      { rank: 1, nodeId: 'node-b', slotId: 'cpu1' },
    ],
  }
  assert.equal(decode(TrialRecordSchema, encode(TrialRecordSchema, gang as never)), gang)
  const a = { ...assignment, rank: 1, worldSize: 2 }
  assert.equal(decode(TrialAssignmentSchema, encode(TrialAssignmentSchema, a)), a)
  const beat = { ...heartbeat, trials: [{ trialId: 't-1', epoch: 3, attempt: 2, rank: 1 }] }
  assert.equal(decode(HeartbeatSchema, encode(HeartbeatSchema, beat)), beat)
})

roundTrip('unknown keys from a newer sender are dropped, not refused', () => {
  const got = decode(HeartbeatSchema, encode({ ...heartbeat, gpuTemperature: 71 }))
  assert.equal(got, heartbeat)
  const sent = decode(encode(HeartbeatSchema, { ...heartbeat, extra: 'x' } as never)) as Record<string, unknown>
  assert.not.ok('extra' in sent, 'encode sends only what the schema knows')
})

roundTrip('a success reply carries its data', () => {
  const schema = apiReplySchema(JobRecordSchema)
  const reply = decode(schema, encode(schema, replyOk(job) as never))
  assert.ok(reply.ok)
  assert.equal(unwrapReply(reply), job)
})

roundTrip('an error reply comes back as a throwable KilnError of its class, without secrets', () => {
  const schema = apiReplySchema(JobRecordSchema)
  const sent = new NotFoundError('job', 'j-9', { data: { token: 's3cret' } })
  const bytes = encode(schema, replyError(sent) as never)
  assert.not.ok(Buffer.from(bytes).includes(Buffer.from('s3cret')))
  const reply = decode(schema, bytes)
  assert.not.ok(reply.ok)
  assert.instance(reply.ok ? null : reply.error, NotFoundError)
  assert.throws(
    () => unwrapReply(reply),
    (e: unknown) => e instanceof NotFoundError && e.message === 'job "j-9" not found',
  )
})

roundTrip('an error reply written as a plain wire object (another client) is rebuilt too', () => {
  const schema = apiReplySchema(JobRecordSchema)
  const reply = decode(
    schema,
    encode({ v, ok: false, error: { name: 'ValidationError', code: 'invalid_argument', message: 'x: expected y' } }),
  )
  assert.ok(!reply.ok && reply.error instanceof ValidationError)
})

const malformed = suite('protocol - malformed messages are refused with the field named')

function refused(what: string, schema: Parameters<typeof decode>[0], value: unknown, field: string, message?: RegExp) {
  malformed(what, () => {
    for (const attempt of ['decode', 'encode'] as const) {
      try {
        if (attempt === 'decode') decode(schema as never, encode(value))
        else encode(schema as never, value as never)
        assert.unreachable(`${attempt} accepted it`)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        assert.is(err.data?.field, field, `${attempt}: ${err.message}`)
        assert.ok(err.message.startsWith(`${field}: expected `), err.message)
        if (message) assert.match(err.message, message)
      }
    }
  })
}

refused(
  'a load that is a string',
  HeartbeatSchema,
  { ...heartbeat, load: 'high' },
  'heartbeat.load',
  /^heartbeat\.load: expected a number >= 0, got string$/,
)
refused('a missing node id', HeartbeatSchema, { ...heartbeat, nodeId: undefined }, 'heartbeat.nodeId', /got nothing$/)
refused(
  'a node id that would widen a subject',
  HeartbeatSchema,
  { ...heartbeat, nodeId: 'node.*' },
  'heartbeat.nodeId',
  /got "node\.\*"$/,
)
refused(
  'another protocol version',
  HeartbeatSchema,
  { ...heartbeat, v: 2 },
  'heartbeat.v',
  /expected protocol version 1, got 2$/,
)
refused('a fractional timestamp', HeartbeatSchema, { ...heartbeat, at: 1.5 }, 'heartbeat.at')
refused(
  'an epoch that is a string, deep in a list',
  HeartbeatSchema,
  { ...heartbeat, trials: [{ trialId: 't-1', epoch: '3' }] },
  'heartbeat.trials[0].epoch',
)
refused(
  'a message that is not an object',
  HeartbeatSchema,
  42,
  'heartbeat',
  /expected a heartbeat message \(an object\), got number$/,
)
refused(
  'an unknown slot kind',
  NodeRegistrationSchema,
  { ...registration, slots: [{ id: 'x', kind: 'tpu' }] },
  'registration.slots[0].kind',
  /expected "cpu" or "gpu", got "tpu"$/,
)
refused(
  'a gpu slot without its device',
  NodeRegistrationSchema,
  { ...registration, slots: [{ id: 'g', kind: 'gpu' }] },
  'registration.slots[0].gpuIndex',
)
refused(
  'two slots with one id',
  NodeRegistrationSchema,
  {
    ...registration,
    slots: [
      { id: 'c', kind: 'cpu' },
      { id: 'c', kind: 'cpu' },
    ],
  },
  'registration.slots[1].id',
)
refused('a node without slots', NodeRegistrationSchema, { ...registration, slots: [] }, 'registration.slots')
refused('a submit without a spec', JobSubmitRequestSchema, { v }, 'submit.spec')
refused(
  'a spec too large to carry',
  JobSubmitRequestSchema,
  { v, spec: { blob: 'x'.repeat(MAX_OPAQUE_BYTES) } },
  'submit.spec',
  /of at most 262144 bytes encoded/,
)
refused('a state outside the machine', TrialRecordSchema, { ...trial, state: 'done' }, 'trial.state', /got "done"$/)
refused('a negative attempt count', TrialRecordSchema, { ...trial, attempts: -1 }, 'trial.attempts', /got -1$/)
refused('attempt 0 in an assignment', TrialAssignmentSchema, { ...assignment, attempt: 0 }, 'assignment.attempt')
refused(
  'a negative rank in an assignment',
  TrialAssignmentSchema,
  { ...assignment, rank: -1, worldSize: 2 },
  'assignment.rank',
)
refused('a world size of 0', TrialAssignmentSchema, { ...assignment, rank: 0, worldSize: 0 }, 'assignment.worldSize')
refused(
  'a rank placement in an unknown state',
  TrialRecordSchema,
  { ...trial, ranks: [{ rank: 0, nodeId: 'n', slotId: 'cpu0', state: 'lost' }] },
  'trial.ranks[0].state',
  /expected "placed", "running" or "done"/,
)
refused(
  'a metric that is not finite',
  MetricReportSchema,
  { ...metric, metrics: { loss: Infinity } },
  'metric.metrics.loss',
  /expected a finite number, got Infinity$/,
)
refused('a report without metrics', MetricReportSchema, { ...metric, metrics: {} }, 'metric.metrics')
refused('an unknown log level', LogLineSchema, { ...log, level: 'fatal' }, 'log.level')
refused('a log line without a time', LogLineSchema, { ...log, time: 'yesterday' }, 'log.time')
roundTrip('a log line written before the one log record (at in ms, no component) reads as a trial line', () => {
  const legacy = { v, trialId: 't-1', level: 'info', msg: 'epoch 3 done', at: Date.parse(log.time) }
  assert.equal(decode(LogLineSchema, encode(legacy)), log)
})
refused(
  'a log line over the limit',
  LogLineSchema,
  { ...log, msg: 'x'.repeat(16 * 1024 + 1) },
  'log.msg',
  /got a string of 16385 characters$/,
)
refused('an empty cancel id', CancelRequestSchema, { v, id: '' }, 'cancel.id')
refused('a reply that is neither ok nor not', apiReplySchema(JobRecordSchema), { v, ok: 'yes', data: job }, 'reply.ok')
refused(
  'a reply whose data is malformed',
  apiReplySchema(JobRecordSchema),
  { v, ok: true, data: { ...job, trialIds: 'j' } },
  'reply.data.trialIds',
)

malformed('bytes that are not msgpack name the message', () => {
  try {
    decode(HeartbeatSchema, new Uint8Array([0x82, 0xa1]))
    assert.unreachable()
  } catch (err) {
    assert.instance(err, ValidationError)
    assert.is((err as ValidationError).data?.field, 'heartbeat')
    assert.match((err as Error).message, /expected a msgpack-encoded message/)
  }
})

malformed('several problems: the first in the message, all in data.issues', () => {
  try {
    decode(HeartbeatSchema, encode({ v, nodeId: 'n', at: -1, load: 'x', busySlots: [], trials: [] }))
    assert.unreachable()
  } catch (err) {
    const issues = (err as KilnError).data?.issues as { field: string }[]
    assert.equal(issues.map((i) => i.field).sort(), ['heartbeat.at', 'heartbeat.load'])
  }
})

malformed('encode and decode with two arguments insist on a schema', () => {
  assert.throws(() => encode({} as never, heartbeat as never), TypeError)
})

roundTrip.run()
malformed.run()
