// @kiln/report: self-contained HTML reports (inline SVG, no scripts, no network). Pure:
// data in, one HTML string out; the CLI gathers the data (kiln report).
export { renderReport } from './report.js'
export type { ReportInput } from './report.js'
export type { LineSeries } from './line-chart.js'
export type { LineageNode } from './lineage.js'
export { parallelCoordinates, parallelLines, parameterImportance } from './sweep-plots.js'
export type { ParallelLines, SweepTrial } from './sweep-plots.js'
