// The confusion matrix as a heatmap: rows the true class, columns the predicted one, each
// cell shaded by its share of the row (so recall reads along the diagonal) and labelled
// with its count.
import type { ClassificationEvaluation } from '@kiln/protocol'
import { esc, figure } from './svg.js'

function label(ev: ClassificationEvaluation, c: number): string {
  return ev.classNames?.[c] ?? String(c)
}

/** The heatmap; undefined when the evaluation kept no matrix (too many classes). */
export function confusionHeatmap(ev: ClassificationEvaluation): string | undefined {
  const m = ev.confusion
  if (!m || m.length === 0) return undefined
  const k = m.length
  const cell = Math.max(18, Math.min(48, Math.floor(440 / k)))
  const left = 110
  const top = 30
  const parts: string[] = []
  m.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0)
    row.forEach((v, c) => {
      const share = total === 0 ? 0 : v / total
      // From white to a deep blue; the text flips to white on dark cells.
      const light = Math.round(97 - share * 62)
      parts.push(
        `<rect class="cell" x="${left + c * cell}" y="${top + r * cell}" width="${cell - 1}" height="${cell - 1}" fill="hsl(212,60%,${light}%)"><title>true ${esc(label(ev, r))}, predicted ${esc(label(ev, c))}: ${v}</title></rect>`,
      )
      if (cell >= 24)
        parts.push(
          `<text class="count${share > 0.5 ? ' dark' : ''}" x="${left + c * cell + cell / 2}" y="${top + r * cell + cell / 2}" text-anchor="middle" dominant-baseline="middle">${v}</text>`,
        )
    })
    parts.push(
      `<text class="tick" x="${left - 6}" y="${top + r * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${esc(label(ev, r).slice(0, 14))}</text>`,
    )
  })
  for (let c = 0; c < k; c++)
    parts.push(`<text class="tick" x="${left + c * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${c}</text>`)
  const size = k * cell
  parts.push(
    `<text class="label" x="${left + size / 2}" y="${top + size + 22}" text-anchor="middle">predicted class</text>`,
    `<text class="label" transform="translate(14,${top + size / 2}) rotate(-90)" text-anchor="middle">true class</text>`,
  )
  return figure(
    'confusion',
    'Confusion matrix (rows: true class; shade: share of the row)',
    left + size + 20,
    top + size + 34,
    parts.join(''),
  )
}
