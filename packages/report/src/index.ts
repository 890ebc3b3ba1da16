// @kiln/report: self-contained HTML reports (inline SVG, no scripts, no network). Pure:
// data in, one HTML string out; the CLI gathers the data (kiln report).
export { renderReport } from './report.js'
export type { ReportInput } from './report.js'
export type { LineSeries } from './line-chart.js'
export type { LineageNode } from './lineage.js'
export { parallelCoordinates, parameterImportance } from './sweep-plots.js'
export type { SweepTrial } from './sweep-plots.js'
