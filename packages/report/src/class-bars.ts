// Per-class precision, recall and F1 as grouped horizontal bars, with the support beside.
import type { ClassificationEvaluation } from '@kiln/protocol'
import { PALETTE, esc, figure } from './svg.js'

const FIGURES = ['precision', 'recall', 'f1'] as const

/** The bars; undefined without per-class figures. */
export function classBars(ev: ClassificationEvaluation): string | undefined {
  const k = ev.perClass.f1.length
  if (k === 0) return undefined
  const band = 3 * 7 + 8
  const left = 120
  const barW = 320
  const top = 24
  const parts: string[] = FIGURES.map(
    (f, i) =>
      `<g transform="translate(${left + i * 90},10)"><rect width="12" height="8" y="-6" fill="${PALETTE[i]}"/><text class="legend" x="16">${f}</text></g>`,
  )
  for (let c = 0; c < k; c++) {
    const y0 = top + c * band
    const name = ev.classNames?.[c] ?? String(c)
    parts.push(
      `<text class="tick" x="${left - 6}" y="${y0 + band / 2 - 2}" text-anchor="end" dominant-baseline="middle">${esc(name.slice(0, 16))}</text>`,
    )
    FIGURES.forEach((f, i) => {
      const v = ev.perClass[f][c] ?? 0
      parts.push(
        `<rect class="bar" x="${left}" y="${y0 + i * 7}" width="${Math.max(0.5, v * barW).toFixed(1)}" height="6" fill="${PALETTE[i]}"><title>${esc(name)} ${f} ${v.toFixed(4)}</title></rect>`,
      )
    })
    parts.push(
      `<text class="tick" x="${left + barW + 8}" y="${y0 + band / 2 - 2}" dominant-baseline="middle">${ev.perClass.f1[c]!.toFixed(3)} F1, ${ev.perClass.support[c]} samples</text>`,
    )
  }
  return figure(
    'per-class',
    'Per-class precision, recall and F1',
    left + barW + 150,
    top + k * band + 8,
    parts.join(''),
  )
}
