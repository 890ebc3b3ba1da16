// A trial's log lines go to KILN_LOGS in batches (one stored, fsynced write per batch), and
// readers see the lines one by one, in order, batches and older single-line messages alike.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { trialLogs } from '@kiln/client'
import { LogBatchSchema, LogLineSchema, Subjects, encode, type LogBatch } from '@kiln/protocol'
import { LogBatcher } from '@kiln/worker'
import { loud } from '../helpers/hooks.js'
import { startLayout, type TestLayout } from '../helpers/layout.js'
import { waitFor } from '../helpers/wait-for.js'

type Entry = LogBatch['lines'][number]
const line = (msg: string): Entry => ({ time: new Date(0).toISOString(), level: 'info', component: 'trial', msg })

const batcher = suite('worker - log batches')

batcher('lines added together leave as one batch, in order, once flushed', async () => {
  const sent: string[][] = []
  const b = new LogBatcher(async (lines) => sent.push(lines.map((l) => l.msg)), { flushMs: 60_000 })
  for (const m of ['data', 'training', 'epoch 1/1', 'test']) b.add(line(m))
  assert.equal(sent, [], 'nothing is sent before the flush')
  await b.flush()
  assert.equal(sent, [['data', 'training', 'epoch 1/1', 'test']])
  await b.flush()
  assert.is(sent.length, 1, 'an empty flush sends nothing')
})

batcher('a batch that would pass maxBytes leaves first; a lone line goes after flushMs', async () => {
  const sent: string[][] = []
  const b = new LogBatcher(async (lines) => sent.push(lines.map((l) => l.msg)), { flushMs: 20, maxBytes: 400 })
  b.add(line('a'.repeat(200)))
  b.add(line('b'.repeat(200)))
  assert.equal(
    sent.map((s) => s.map((m) => m[0])),
    [['a']],
  )
  await waitFor('the timer to send the second batch', () => sent.length === 2)
  assert.equal(
    sent[1]!.map((m) => m[0]),
    ['b'],
  )
})

batcher('a batch that fails to send does not stop later ones', async () => {
  const sent: string[] = []
  let fail = true
  const b = new LogBatcher(
    async (lines) => {
      if (fail) throw new Error('no JetStream')
      sent.push(...lines.map((l) => l.msg))
    },
    { flushMs: 60_000 },
  )
  b.add(line('lost'))
  await b.flush()
  fail = false
  b.add(line('kept'))
  await b.flush()
  assert.equal(sent, ['kept'])
})

batcher.run()

const reading = suite<{ t?: TestLayout }>('worker - a trial log read back from KILN_LOGS')
reading.before(
  loud(async (ctx) => {
    ctx.t = await startLayout()
  }),
)
reading.after(
  loud(async (ctx) => {
    await ctx.t?.stop()
  }),
)

reading('a single line (as written before batches) and a batch read as lines in order', async ({ t }) => {
  const { js } = t!.layout
  const subject = Subjects.logs.of('t-1', 'node-1')
  await js.publish(subject, encode(LogLineSchema, { v: 1, trialId: 't-1', ...line('old line') }))
  await js.publish(subject, encode(LogBatchSchema, { v: 1, trialId: 't-1', lines: [line('first'), line('second')] }))
  const read: string[] = []
  for await (const l of trialLogs(t!.nc, 't-1')) read.push(`${l.trialId} ${l.component} ${l.msg}`)
  assert.equal(read, ['t-1 trial old line', 't-1 trial first', 't-1 trial second'])
})

reading.run()
