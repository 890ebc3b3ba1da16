// A new leader's sweep engines know what their event logs say. Reports a trial sent while no
// coordinator answered (a failover, a restart) are not in those logs, but they are in
// KILN_METRICS, where the node stored them beside each request: fed to the engine at takeover,
// they put the leaderboard (values, steps, rungs) where the trials really are.
import type { NatsConnection } from '@nats-io/transport-node'
import { StreamName, readSubject } from '@kiln/cluster-state'
import { MetricReportSchema, Subjects, decode, isTerminal, type MetricReport, type TrialRecord } from '@kiln/protocol'
import { engineTrialIdOf, type SweepRunner } from './sweep-runner.js'

/** Feeds a replayed engine the stored reports it never heard; how many it took. */
export async function catchUpReports(
  nc: NatsConnection,
  runner: SweepRunner,
  trials: readonly TrialRecord[],
  metric: string,
  onBad: (what: string, err: unknown) => void,
): Promise<number> {
  // The latest cluster trial of each engine trial still running there.
  const latest = new Map<string, TrialRecord>()
  for (const t of trials) {
    const engineId = engineTrialIdOf(runner.jobId, t.id)
    if (engineId !== undefined) latest.set(engineId, t)
  }
  let fed = 0
  for (const row of runner.engine.leaderboard()) {
    const trial = latest.get(row.trialId)
    if (row.state !== 'running' || !trial?.node || isTerminal(trial.state)) continue
    // Only what the trial's own node wrote: no other node may publish on its subject.
    const subject = Subjects.metrics.of(trial.id, trial.node.nodeId)
    let heard = row.t
    for await (const data of readSubject(nc, StreamName.metrics, subject)) {
      let report: MetricReport
      try {
        report = decode(MetricReportSchema, data)
      } catch (err) {
        onBad(subject, err)
        continue
      }
      // A stored report speaks for the trial of its subject only.
      if (report.trialId !== trial.id || report.epoch <= heard) continue
      const value = report.metrics[metric]
      if (value === undefined || !Number.isFinite(value)) continue
      heard = report.epoch
      fed++
      const d = await runner.report(row.trialId, report.epoch, value)
      if (d.action !== 'continue') break
    }
  }
  return fed
}
