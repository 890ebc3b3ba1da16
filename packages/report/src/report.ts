// One self-contained HTML page for a job, a sweep or a model version: facts, training
// curves, the evaluation (headline figures, confusion matrix, per-class bars), a sweep's
// parallel coordinates, best-so-far and parameter importance, and the lineage. Inline SVG
// and CSS only: no scripts, no network, so it opens anywhere and can be mailed as it is.
import type { Evaluation } from '@kiln/protocol'
import { classBars } from './class-bars.js'
import { confusionHeatmap } from './confusion.js'
import { lineageDiagram, type LineageNode } from './lineage.js'
import { lineChart, type LineSeries } from './line-chart.js'
import { importanceBars, parallelCoordinates, type SweepTrial } from './sweep-plots.js'
import { esc } from './svg.js'

/** Everything a report shows; every part but the title is optional. */
export interface ReportInput {
  title: string
  /** "job", "sweep" or "model version". */
  kind: string
  /** Key facts as rows (state, experiment, params, created, ...). */
  facts?: ReadonlyArray<readonly [string, string]>
  /** One chart per metric, one line per run (a job: one; a sweep: its trials). */
  curves?: ReadonlyArray<{ metric: string; series: readonly LineSeries[] }>
  evaluation?: Evaluation
  sweep?: { metric: { name: string; mode: 'max' | 'min' }; trials: readonly SweepTrial[] }
  lineage?: readonly LineageNode[]
  /** When it was made (ISO); default now. */
  generatedAt?: string
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1100px;padding:0 16px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
th{color:#555;font-weight:600}.sub{color:#666}figure.plot{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}
figcaption{font-weight:600;margin-bottom:4px}.note{color:#666;font-size:12px;max-width:520px}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .label{font-weight:600}svg .legend{font-size:11px}
svg .grid{stroke:#eee}svg .axis{stroke:#888}svg text.dark{fill:#fff}`

function factsTable(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`
}

const f4 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(4))

function evaluationSection(ev: Evaluation): string {
  if (ev.task === 'regression')
    return `<h2>Evaluation (${ev.count} samples)</h2>${factsTable([
      ['MAE', f4(ev.mae)],
      ['RMSE', f4(ev.rmse)],
      ['R²', f4(ev.r2)],
    ])}`
  const head = factsTable([
    ['accuracy', f4(ev.accuracy)],
    ['macro precision / recall / F1', `${f4(ev.macro.precision)} / ${f4(ev.macro.recall)} / ${f4(ev.macro.f1)}`],
    [
      'weighted precision / recall / F1',
      `${f4(ev.weighted.precision)} / ${f4(ev.weighted.recall)} / ${f4(ev.weighted.f1)}`,
    ],
    ...(ev.logLoss !== undefined ? [['log loss', f4(ev.logLoss)] as const] : []),
    ...(ev.topK ? [[`top-${ev.topK.k} accuracy`, f4(ev.topK.accuracy)] as const] : []),
    ...(ev.rocAuc ? [['ROC-AUC (macro, one-vs-rest)', f4(ev.rocAuc.macro)] as const] : []),
    ...(ev.prAuc ? [['PR-AUC (macro, one-vs-rest)', f4(ev.prAuc.macro)] as const] : []),
  ])
  const plots = [confusionHeatmap(ev), classBars(ev)].filter(Boolean).join('')
  return `<h2>Evaluation (${ev.count} test samples)</h2>${head}${plots}`
}

// Each finished trial in order, and the best value so far after it.
function bestSoFar(sweep: NonNullable<ReportInput['sweep']>): LineSeries[] {
  let best: number | undefined
  const points: [number, number][] = []
  const values: [number, number][] = []
  sweep.trials.forEach((t, i) => {
    if (typeof t.value !== 'number') return
    best =
      best === undefined ? t.value : sweep.metric.mode === 'max' ? Math.max(best, t.value) : Math.min(best, t.value)
    points.push([i + 1, best])
    values.push([i + 1, t.value])
  })
  return [
    { name: 'best so far', points, step: true },
    { name: 'trial', points: values },
  ]
}

/** The report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const parts = [
    `<h1>${esc(input.title)}</h1><p class="sub">Kiln ${esc(input.kind)} report, generated ${esc(input.generatedAt ?? new Date().toISOString())}</p>`,
  ]
  if (input.facts?.length) parts.push(`<h2>Summary</h2>${factsTable(input.facts)}`)
  const curves = (input.curves ?? []).filter((c) => c.series.some((s) => s.points.length > 0))
  if (curves.length)
    parts.push(
      `<h2>Training curves</h2>${curves.map((c) => lineChart('curves', c.metric, c.series, 'epoch', c.metric)).join('')}`,
    )
  if (input.evaluation) parts.push(evaluationSection(input.evaluation))
  if (input.sweep) {
    const s = input.sweep
    const plots = [
      parallelCoordinates(s.trials, s.metric),
      lineChart('best-so-far', `Best ${s.metric.name} so far`, bestSoFar(s), 'trial', s.metric.name),
      importanceBars(s.trials),
    ].filter(Boolean)
    parts.push(`<h2>Sweep</h2>${plots.join('')}`)
  }
  const lineage = input.lineage ? lineageDiagram(input.lineage) : undefined
  if (lineage) parts.push(`<h2>Lineage</h2>${lineage}`)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(input.title)}</title><style>${CSS}</style></head><body>${parts.join('\n')}</body></html>\n`
}
