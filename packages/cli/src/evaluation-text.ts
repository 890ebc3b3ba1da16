// An evaluation as text for a terminal: the headline figures, a per-class table and the
// confusion matrix (shaded by share of its row when colours are on). Used by `kiln train`,
// `kiln eval`, `kiln runs show` and `kiln models show`.
import type { ClassificationEvaluation, Evaluation } from '@kiln/protocol'
import { table } from './table.js'
import { thousands } from './format.js'

const f4 = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(4))

/** Lines for people; `color` shades the confusion matrix with ANSI 256-colour backgrounds. */
export function evaluationText(ev: Evaluation, options: { color?: boolean; maxClasses?: number } = {}): string {
  if (ev.task === 'regression')
    return `MAE ${f4(ev.mae)}  RMSE ${f4(ev.rmse)}  R² ${f4(ev.r2)}  (${thousands(ev.count)} samples)\n`
  const parts = [
    ev.logLoss !== undefined ? `log loss ${f4(ev.logLoss)}` : '',
    ev.topK ? `top-${ev.topK.k} accuracy ${f4(ev.topK.accuracy)}` : '',
    ev.rocAuc ? `ROC-AUC ${f4(ev.rocAuc.macro)}` : '',
    ev.prAuc ? `PR-AUC ${f4(ev.prAuc.macro)}` : '',
  ].filter(Boolean)
  const avg = (label: string, a: ClassificationEvaluation['macro']) =>
    `${label}precision ${f4(a.precision)}  recall ${f4(a.recall)}  F1 ${f4(a.f1)}`
  let out = `${avg('macro     ', ev.macro)}\n${avg('weighted  ', ev.weighted)}\n`
  if (parts.length) out += `${parts.join('  ')}\n`
  const max = options.maxClasses ?? 30
  if (ev.perClass.precision.length > 0 && ev.numClasses <= max) out += `\n${perClassTable(ev)}`
  if (ev.confusion && ev.numClasses <= max) out += `\n${confusionText(ev, options.color === true)}`
  return out
}

/** Class name (or index) of class c. */
export function className(ev: Pick<ClassificationEvaluation, 'classNames'>, c: number): string {
  return ev.classNames?.[c] ?? String(c)
}

function perClassTable(ev: ClassificationEvaluation): string {
  const p = ev.perClass
  const rows = p.precision.map((_, c) => [
    className(ev, c),
    f4(p.precision[c]),
    f4(p.recall[c]),
    f4(p.f1[c]),
    thousands(p.support[c]!),
    ...(p.rocAuc ? [f4(p.rocAuc[c])] : []),
  ])
  return table(['CLASS', 'PRECISION', 'RECALL', 'F1', 'SUPPORT', ...(p.rocAuc ? ['ROC-AUC'] : [])], rows)
}

// Background shades from dark to bright green (xterm 256 colours), by share of the row.
const SHADES = [234, 22, 28, 34, 40, 46]

/** The confusion matrix, rows the true class, columns the predicted one. */
export function confusionText(ev: ClassificationEvaluation, color: boolean): string {
  const m = ev.confusion ?? []
  const names = m.map((_, c) => (ev.classNames ? `${c} ${className(ev, c)}` : String(c)))
  const labelW = Math.min(18, Math.max(9, ...names.map((n) => n.length)))
  const cellW = Math.max(4, ...m.flat().map((v) => String(v).length)) + 1
  const head = `${'true\\pred'.padEnd(labelW)} ${m.map((_, c) => String(c).padStart(cellW)).join('')}`
  const lines = m.map((row, r) => {
    const total = row.reduce((a, b) => a + b, 0)
    const cells = row.map((v) => {
      const text = String(v).padStart(cellW)
      if (!color || total === 0) return text
      const shade = SHADES[Math.min(SHADES.length - 1, Math.ceil((v / total) * (SHADES.length - 1)))]!
      return `\x1b[48;5;${shade}m${text}\x1b[0m`
    })
    return `${names[r]!.slice(0, labelW).padEnd(labelW)} ${cells.join('')}`
  })
  return `confusion matrix (rows: true class, columns: predicted)\n${head}\n${lines.join('\n')}\n`
}
