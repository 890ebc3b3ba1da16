// The demo's sweep as plain progress lines (when stdout is not a terminal): one line when
// a trial starts, reports an epoch, or ends, and when the best value improves. Live from
// the cluster watch; resolves with the sweep once it has ended.
import type { NatsConnection } from '@nats-io/transport-node'
import { watchCluster } from '@kiln/client'
import { isTerminal, type SweepRecord, type TrialRecord } from '@kiln/protocol'

const short = (id: string, jobId: string) => (id.startsWith(`${jobId}-`) ? id.slice(jobId.length + 1) : id)
const num = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4))

function params(p: Record<string, unknown> | undefined): string {
  if (!p) return ''
  return Object.entries(p)
    .map(([k, v]) => {
      const o = v as { builtin?: string; hidden?: unknown; filters?: unknown }
      const text =
        typeof v === 'number'
          ? String(Number(v.toPrecision(3)))
          : o && typeof o === 'object' && o.builtin
            ? `${o.builtin}${JSON.stringify(o.hidden ?? o.filters ?? '')}`
            : JSON.stringify(v)
      return `${k.split('.').at(-1)}=${text}`
    })
    .join(' ')
}

/** Prints the sweep's progress until it ends; returns its final record. */
export function followSweep(
  nc: NatsConnection,
  sweepId: string,
  jobId: string,
  print: (line: string) => void,
  timeoutMs: number,
): Promise<SweepRecord> {
  return new Promise((ok, fail) => {
    const states = new Map<string, string>()
    const nodeNames = new Map<string, string>()
    let best: number | undefined
    const timer = setTimeout(() => {
      watch.stop()
      fail(new Error(`the sweep did not end within ${Math.round(timeoutMs / 1000)} s`))
    }, timeoutMs)
    const onTrial = (t: TrialRecord) => {
      if (t.jobId !== jobId || states.get(t.id) === t.state) return
      states.set(t.id, t.state)
      const where = t.node ? ` on ${nodeNames.get(t.node.nodeId) ?? t.node.nodeId}/${t.node.slotId}` : ''
      const m = t.metrics
      const result =
        isTerminal(t.state) && m ? `: val_accuracy ${num(m.val_accuracy)} after ${m.epochs ?? '?'} epoch(s)` : ''
      // placed and running come moments apart: one line for both.
      if (t.state === 'placed') return
      print(
        `  ${short(t.id, jobId).padEnd(9)} ${t.state}${t.state === 'running' ? where : ''}${result}  ${t.state === 'running' ? params(t.params) : ''}`.trimEnd(),
      )
    }
    const watch = watchCluster(
      nc,
      (c) => {
        if (c.kind === 'node' && c.record) nodeNames.set(c.key, c.record.name)
        if (c.kind === 'trial' && c.record) onTrial(c.record)
        if (c.kind === 'metric' && c.report.trialId.startsWith(`${jobId}-`)) {
          const m = c.report.metrics
          print(
            `  ${short(c.report.trialId, jobId).padEnd(9)} epoch ${c.report.epoch}: loss ${num(m.loss)} val_accuracy ${num(m.val_accuracy)}`,
          )
        }
        if (c.kind === 'sweep' && c.record?.id === sweepId) {
          const s = c.record
          if (s.best && s.best.value !== best) {
            best = s.best.value
            print(
              `best so far: ${s.metric.name} ${num(best)} (${short(s.best.trialId, jobId)}, ${params(s.best.params)})`,
            )
          }
          if (isTerminal(s.state)) {
            clearTimeout(timer)
            watch.stop()
            ok(s)
          }
        }
      },
      { metrics: true },
    )
  })
}
