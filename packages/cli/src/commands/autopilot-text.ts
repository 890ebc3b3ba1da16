// What `kiln autopilot` prints: the plan, the sweep's progress, the leaderboard by family,
// the ensemble with its test figures next to the best single trial's, the features that
// matter, and the endpoint. With --json, one object per step and the result last.
import type { AnalyzedInput, AutopilotEvent, AutopilotResult } from '@kiln/autopilot'
import type { CliIo } from '../io.js'
import { evaluationText } from '../evaluation-text.js'
import { duration } from '../format.js'
import { table } from '../table.js'

const f4 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4))

function bar(share: number, width = 20): string {
  return '█'.repeat(Math.max(0, Math.round(Math.min(1, share) * width)))
}

/** The printer of one run: events as they come, then the result (or the interruption). */
export function autopilotPrinter(io: CliIo, json: boolean, input: AnalyzedInput) {
  const out = (s: string) => io.stdout.write(s)
  let sweepId = ''
  let done = 0
  let lastBest = ''
  const event = (e: AutopilotEvent) => {
    if (json) return out(`${JSON.stringify({ event: e.type, ...e })}\n`)
    switch (e.type) {
      case 'plan': {
        const p = input.problem
        const classes = p.classNames
          ? ` (${p.classNames.slice(0, 8).join(', ')}${p.classNames.length > 8 ? ', ...' : ''})`
          : ''
        out(
          `${input.source}: ${input.rows} rows, ${input.featureNames.length} features, ${p.kind} target ${JSON.stringify(p.target)}${classes}\n`,
        )
        for (const note of e.notes) out(`  ${note}\n`)
        const search = e.spec.search as { maxRuntime: number; scheduler: { maxT: number } }
        out(
          `families: ${e.families.join(', ')}; search ${duration(search.maxRuntime)} (TPE over a conditional space, ASHA over ${search.scheduler.maxT} epochs), then an ensemble\n`,
        )
        return
      }
      case 'dataset':
        return out(`stored dataset ${e.name} (${e.id.slice(0, 12)})\n`)
      case 'sweep':
        sweepId = e.sweep.id
        return out(
          `${e.created ? 'launched' : 'picked up'} sweep ${e.sweep.id}; interrupting leaves it running: run this command again to pick it up, or kiln sweep stop ${e.sweep.id}\n`,
        )
      case 'progress': {
        // A line when the best changes, and every 10 finished trials.
        const s = e.sweep
        const finished = s.leaderboard.filter((r) => !['running', 'paused'].includes(r.state)).length
        const best = s.best ? `best ${s.metric.name} ${f4(s.best.value)} (${s.best.trialId})` : 'no result yet'
        if (best === lastBest && Math.floor(finished / 10) === Math.floor(done / 10)) return
        done = finished
        lastBest = best
        // A launched trial may still wait for a free slot: "in progress", not "running".
        return out(`  ${finished} trials done, ${s.leaderboard.length - finished} in progress: ${best}\n`)
      }
      case 'ensemble':
        return out(
          `${e.created ? 'ensemble job' : 'picked up ensemble job'} ${e.job.id}: selecting from ${e.candidates.length} trials\n`,
        )
      case 'deployed':
        return out(`deployed ${e.model}@${e.version} at endpoint ${e.endpoint}\n`)
    }
  }
  const result = (r: AutopilotResult) => {
    if (json) return out(`${JSON.stringify({ event: 'result', ...r })}\n`)
    const s = r.sweep
    const why = r.searchStopped ?? s.endReason
    out(`\nsweep ${s.id} ${s.state}: ${s.leaderboard.length} trials${why ? ` (${why})` : ''}\n`)
    out(
      table(
        ['FAMILY', 'TRIALS', `BEST ${s.metric.name.toUpperCase()}`, `TEST ${r.testMetric.toUpperCase()}`, 'TRIAL'],
        r.board.map((row) => [
          row.family,
          String(row.trials),
          f4(row.best?.value),
          f4(row.best?.test),
          row.best?.id ?? '-',
        ]),
      ),
    )
    const ens = r.ensemble
    if (!ens) {
      out(
        `\nno ensemble: ${r.ensembleError ?? 'unknown reason'}${s.model ? `; the best trial is ${s.model.name}@${s.model.version}` : ''}\n`,
      )
      return
    }
    const members = ens.members
      .map((m) => `${m.label}${m.family ? ` ${m.family}` : ''} ${m.weight.toFixed(2)}`)
      .join(', ')
    out(`\nensemble ${ens.model}@${ens.version}: ${ens.members.length} member(s): ${members}\n`)
    // Beside the sweep's own pick: its best trial by the validation metric.
    const single = r.board[0]?.best
    const val = ens.metrics?.[s.metric.name]
    if (val !== undefined)
      out(
        `  validation ${s.metric.name} ${f4(val)} (the sweep's best trial ${f4(single?.value)}; ${ens.selection?.candidates ?? '?'} candidates)\n`,
      )
    const held = ens.selection?.heldOut
    if (held && !held.kept)
      out(
        `  the blend lost to the best candidate on rows it was not selected on (loss ${f4(held.ensembleLoss)} against ${f4(held.bestSingleLoss)}): that candidate alone is kept\n`,
      )
    if (ens.refit) {
      const { rows, members, kept = [] } = ens.refit
      if (members.length > 0)
        out(
          `  ${kept.length === 0 ? 'its members were' : `${members.length} of its ${members.length + kept.length} members were`} then trained again on the ${rows} training and validation rows (the test rows stay unseen)\n`,
        )
      for (const k of kept) out(`  ${k.label} kept as selected: ${k.reason}\n`)
    }
    const test = ens.evaluation?.task === 'classification' ? ens.evaluation.accuracy : ens.evaluation?.rmse
    if (test !== undefined) out(`  test ${r.testMetric} ${f4(test)} (the sweep's best trial ${f4(single?.test)})\n`)
    if (ens.evaluation) out(evaluationText(ens.evaluation, { color: io.stdout.isTTY === true }))
    if (ens.importance && ens.importance.length > 0) {
      const top = ens.importance.slice(0, 12)
      const max = Math.max(1e-12, ...top.map((i) => i.importance))
      out('\nfeature importance (loss increase when shuffled, validation split):\n')
      const w = Math.max(...top.map((i) => i.feature.length))
      for (const i of top)
        out(`  ${i.feature.padEnd(w)}  ${f4(i.importance)} ± ${f4(i.std)}  ${bar(i.importance / max)}\n`)
    }
    if (r.endpoint) out(`\nendpoint ${r.endpoint}: kiln endpoint show ${r.endpoint}\n`)
    if (r.deployError) io.stderr.write(`kiln autopilot: not deployed: ${r.deployError}\n`)
  }
  const interrupted = () =>
    out(
      json
        ? `${JSON.stringify({ event: 'interrupted', sweepId })}\n`
        : `\ninterrupted; ${sweepId ? `sweep ${sweepId} goes on in the cluster: run this command again to pick it up` : 'nothing was launched'}\n`,
    )
  return { event, result, interrupted }
}
