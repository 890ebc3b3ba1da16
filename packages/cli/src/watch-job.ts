// `--watch`: follows a job until it ends, printing each trial's epochs as they arrive and
// every state change.
import type { NatsConnection } from 'nats'
import { isTerminal, type JobRecord } from '@kiln/protocol'
import { JobsClient, trialMetrics } from '@kiln/client'
import type { CliIo } from './io.js'
import { metricsLine, trialWhere } from './format.js'

/** Resolves with the job's final record. */
export async function watchJob(nc: NatsConnection, jobId: string, io: CliIo, json: boolean): Promise<JobRecord> {
  const client = new JobsClient(nc)
  const controller = new AbortController()
  const off = io.onInterrupt(() => controller.abort())
  const following = new Set<string>()
  const states = new Map<string, string>()
  const say = (event: Record<string, unknown>, text: string) =>
    io.stdout.write(json ? `${JSON.stringify(event)}\n` : `${text}\n`)
  try {
    for (;;) {
      const { job, trials = [] } = await client.show(jobId)
      for (const t of trials) {
        if (states.get(t.id) !== t.state) {
          states.set(t.id, t.state)
          say(
            { event: 'trial', id: t.id, state: t.state, attempts: t.attempts, node: t.node, reason: t.reason },
            `${t.id}: ${t.state}${t.node ? ` on ${trialWhere(t)}` : ''}${t.reason ? ` (${t.reason})` : ''}`,
          )
        }
        if (!following.has(t.id) && t.state !== 'pending') {
          following.add(t.id)
          void (async () => {
            for await (const m of trialMetrics(nc, t.id, { follow: true, signal: controller.signal })) {
              say(
                { event: 'epoch', trialId: t.id, epoch: m.epoch, metrics: m.metrics },
                `${t.id}: epoch ${m.epoch}  ${metricsLine(m.metrics)}`,
              )
            }
          })().catch(() => undefined)
        }
      }
      if (job && isTerminal(job.state)) {
        say(
          { event: 'done', job },
          `${job.id}: ${job.state}${job.metrics?.test_accuracy !== undefined ? `, test accuracy ${job.metrics.test_accuracy.toFixed(4)}` : ''}`,
        )
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
}
