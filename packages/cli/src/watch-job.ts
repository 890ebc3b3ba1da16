// `--watch`: follows a job until it ends. On a terminal one line per trial is redrawn in
// place (state, where, latest epoch's metrics); piped, every state change and epoch is a line
// of its own; with --json, one event object per line. A failure ends with its reason and the
// user's frames.
import type { NatsConnection } from '@nats-io/transport-node'
import { isTerminal, type JobRecord, type TrialRecord } from '@kiln/protocol'
import { JobsClient, trialMetrics } from '@kiln/client'
import type { CliIo } from './io.js'
import { metricsLine, trialWhere } from './format.js'
import { failureText } from './failure-text.js'
import { canRedraw, liveFrame } from './live-frame.js'

interface Seen {
  trial: TrialRecord
  epoch?: number
  metrics?: Record<string, number>
}

function trialLine(s: Seen): string {
  const t = s.trial
  const where = t.node ? ` on ${trialWhere(t)}` : ''
  const progress = s.epoch === undefined ? '' : `  epoch ${s.epoch}  ${metricsLine(s.metrics ?? {})}`
  const why = t.state === 'pending' && t.reason ? `  (${t.reason})` : ''
  return `${t.id}: ${t.state}${where}${progress}${why}`
}

/** Resolves with the job's final record. */
export async function watchJob(nc: NatsConnection, jobId: string, io: CliIo, json: boolean): Promise<JobRecord> {
  const client = new JobsClient(nc)
  const controller = new AbortController()
  const off = io.onInterrupt(() => controller.abort())
  const frame = !json && canRedraw(io) ? liveFrame(io) : undefined
  const seen = new Map<string, Seen>()
  const redraw = () => frame?.draw([...seen.values()].map(trialLine))
  const say = (event: Record<string, unknown>, text: string) => {
    if (json) io.stdout.write(`${JSON.stringify(event)}\n`)
    else if (frame) redraw()
    else io.stdout.write(`${text}\n`)
  }
  try {
    for (;;) {
      const { job, trials = [] } = await client.show(jobId)
      for (const t of trials) {
        const before = seen.get(t.id)
        if (before?.trial.state === t.state) continue
        const s: Seen = { ...before, trial: t }
        seen.set(t.id, s)
        say(
          {
            event: 'trial',
            id: t.id,
            state: t.state,
            attempts: t.attempts,
            node: t.node,
            reason: t.reason,
            ...(t.error ? { error: t.error } : {}),
          },
          failureText(t, `${t.id}: failed: `).trimEnd() || trialLine({ trial: t }),
        )
        if (!before && t.state !== 'pending') follow(t.id)
        else if (before?.trial.state === 'pending' && t.state !== 'pending') follow(t.id)
      }
      if (job && isTerminal(job.state)) {
        const test = job.metrics?.test_accuracy
        const done = `${job.id}: ${job.state}${test !== undefined ? `, test accuracy ${test.toFixed(4)}` : ''}`
        if (frame) {
          // The last frame stays; failures (reason and frames) go below it, not inside it.
          redraw()
          frame.keep()
          for (const s of seen.values()) io.stdout.write(failureText(s.trial, `${s.trial.id}: failed: `))
        }
        if (json) io.stdout.write(`${JSON.stringify({ event: 'done', job })}\n`)
        else io.stdout.write(`${done}\n`)
        return job
      }
      if (controller.signal.aborted)
        throw Object.assign(new Error('stopped watching (the job goes on)'), { code: 'cancelled' })
      await new Promise((ok) => setTimeout(ok, 500))
    }
  } finally {
    controller.abort()
    off()
  }

  function follow(trialId: string): void {
    void (async () => {
      for await (const m of trialMetrics(nc, trialId, { follow: true, signal: controller.signal })) {
        const s = seen.get(trialId)
        if (s) Object.assign(s, { epoch: m.epoch, metrics: m.metrics })
        say(
          { event: 'epoch', trialId, epoch: m.epoch, metrics: m.metrics },
          `${trialId}: epoch ${m.epoch}  ${metricsLine(m.metrics)}`,
        )
      }
    })().catch(() => undefined)
  }
}
