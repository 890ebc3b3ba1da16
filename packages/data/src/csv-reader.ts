// CSV: every column but the label is a feature, numeric or categorical; the label column holds
// class indices (integers >= 0) or class names. A column whose filled cells are all text is
// categorical (its cells become indices into its sorted category names); an empty cell is a
// missing value (NaN), which preprocessing can impute. A column mixing numbers and text is
// refused at its first text cell: that is usually a typo, not a category.
import { ValidationError } from '@kiln/protocol'
import { parseCsvRecords } from './csv-parse.js'
import { DatasetError, DatasetErrorCode } from './errors.js'
import type { CategoricalFeature } from './dataset.js'
import { readDatasetFile } from './read-bytes.js'

export interface CsvOptions {
  /** Whether the first row names the columns; 'auto' (default) guesses from its cells. */
  header?: boolean | 'auto'
  /** The label column: a header name, or an index (negative counts from the end). Default -1 (the last). */
  label?: string | number
  /** Field delimiter, one character; default ','. */
  delimiter?: string
  /** The label column holds numbers to predict (regression targets), not classes. Default false. */
  regression?: boolean
}

/** A CSV file as features and labels. */
export interface CsvTable {
  /** [rows, features] */
  shape: [number, number]
  /** Row-major features. */
  x: Float32Array
  labels: Int32Array
  /** Header names of the feature columns, or "column N" (1-based) without a header. */
  featureNames: string[]
  labelName: string
  /** Present when the label column held names: label i means classNames[i] (sorted order). */
  classNames?: string[]
  /** Text columns, by feature index: x holds the index into `values` (sorted), NaN when empty. */
  categories?: CategoricalFeature[]
  /** With `regression`: the label column's numbers (labels are then all 0). */
  targets?: Float32Array
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const isNumber = (s: string | undefined) => s !== undefined && NUMBER.test(s.trim())

/** Reads a CSV file of numeric features and a label column. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvTable> {
  const bytes = await readDatasetFile(path)
  return parseCsv(new TextDecoder('utf-8').decode(bytes), path, options)
}

/** Parses CSV text; `file` only names the source in errors. */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): CsvTable {
  const { records, lines } = parseCsvRecords(text, file, options.delimiter ?? ',')
  const first = records[0]
  if (first === undefined)
    throw new DatasetError(DatasetErrorCode.malformed, file, 'no rows, expected a header or data rows')
  const width = first.length
  if (width < 2)
    throw new DatasetError(
      DatasetErrorCode.malformed,
      file,
      `line ${lines[0]} has ${width} column, expected at least 2 (features and a label)`,
    )
  const labelOpt = options.label ?? -1
  const headerOpt = options.header ?? 'auto'
  if (typeof labelOpt === 'string' && headerOpt === false) {
    throw new ValidationError('label', 'a column index when header is false (a name needs a header row)')
  }
  let labelCol = typeof labelOpt === 'number' ? resolveIndex(labelOpt, width) : -1
  const hasHeader =
    headerOpt === 'auto' ? typeof labelOpt === 'string' || looksLikeHeader(first, records[1], labelCol) : headerOpt
  const header = hasHeader ? first.map((s) => s.trim()) : null
  if (typeof labelOpt === 'string') {
    labelCol = header!.indexOf(labelOpt)
    if (labelCol < 0) {
      throw new DatasetError(
        DatasetErrorCode.mismatch,
        file,
        `has no column ${JSON.stringify(labelOpt)}; its columns are ${header!.map((h) => JSON.stringify(h)).join(', ')}`,
      )
    }
  }
  const names = header ?? first.map((_, i) => `column ${i + 1}`)
  const start = hasHeader ? 1 : 0
  const rows = records.length - start
  if (rows === 0) throw new DatasetError(DatasetErrorCode.malformed, file, 'has a header but no data rows')

  const features = width - 1
  const x = new Float32Array(rows * features)
  const labelCells: string[] = new Array(rows)
  for (let r = 0; r < rows; r++) {
    const rec = records[start + r]!
    if (rec.length !== width) {
      throw new DatasetError(
        DatasetErrorCode.malformed,
        file,
        `line ${lines[start + r]} has ${rec.length} fields, expected ${width} as on line ${lines[0]}`,
      )
    }
    labelCells[r] = rec[labelCol]!.trim()
  }
  const categories: CategoricalFeature[] = []
  for (let c = 0, f = 0; c < width; c++) {
    if (c === labelCol) continue
    const values = readColumn(records, start, rows, c, (r) => lines[start + r]!, names, file, x, f, features)
    if (values) categories.push({ feature: f, values })
    f++
  }
  const bad = (r: number, cell: string, expected: string) =>
    badCell(file, lines[start + r]!, labelCol, names, cell, expected)
  if (options.regression) {
    const targets = Float32Array.from(labelCells, (cell, r) =>
      isNumber(cell) && Number.isFinite(Number(cell))
        ? Number(cell)
        : (bad(r, cell, 'a finite number (a regression target)') as never),
    )
    return {
      shape: [rows, features],
      x,
      labels: new Int32Array(rows),
      featureNames: names.filter((_, i) => i !== labelCol),
      labelName: names[labelCol]!,
      targets,
    }
  }
  const { labels, classNames } = encodeLabels(labelCells, bad)
  return {
    shape: [rows, features],
    x,
    labels,
    featureNames: names.filter((_, i) => i !== labelCol),
    labelName: names[labelCol]!,
    ...(classNames ? { classNames } : {}),
    ...(categories.length > 0 ? { categories } : {}),
  }
}

// Fills feature f of x from column c; returns the category names when the column is text.
function readColumn(
  records: string[][],
  start: number,
  rows: number,
  c: number,
  lineOf: (row: number) => number,
  names: string[],
  file: string,
  x: Float32Array,
  f: number,
  features: number,
): string[] | undefined {
  // The first filled cell decides the column's kind; a cell of the other kind is an error.
  let firstFilled = 0
  while (firstFilled < rows && records[start + firstFilled]![c]!.trim() === '') firstFilled++
  const text = firstFilled < rows && !isNumber(records[start + firstFilled]![c])
  if (!text) {
    for (let r = 0; r < rows; r++) {
      const cell = records[start + r]![c]!
      if (cell.trim() === '') x[r * features + f] = Number.NaN
      else if (isNumber(cell)) x[r * features + f] = Number(cell)
      else throw badCell(file, lineOf(r), c, names, cell, 'a number (or an empty cell for a missing value)')
    }
    return undefined
  }
  const cells = new Array<string>(rows)
  for (let r = 0; r < rows; r++) {
    const cell = records[start + r]![c]!.trim()
    if (cell !== '' && isNumber(cell)) {
      const like = JSON.stringify(records[start + firstFilled]![c]!.trim())
      throw badCell(file, lineOf(r), c, names, cell, `a category name like ${like} (the column holds text)`)
    }
    cells[r] = cell
  }
  const values = [...new Set(cells.filter((v) => v !== ''))].sort()
  const index = new Map(values.map((v, i) => [v, i]))
  for (let r = 0; r < rows; r++) x[r * features + f] = cells[r] === '' ? Number.NaN : index.get(cells[r]!)!
  return values
}

function resolveIndex(index: number, width: number): number {
  const i = index < 0 ? width + index : index
  if (!Number.isInteger(index) || i < 0 || i >= width) {
    throw new ValidationError(
      'label',
      `a column index in [${-width}, ${width - 1}] (the file has ${width} columns), got ${index}`,
    )
  }
  return i
}

// A first row is a header when a feature cell is not a number, or when the label cell is
// text while the next row's label is a number (so "x,y,class" over "1,2,cat" is still caught).
function looksLikeHeader(first: string[], second: string[] | undefined, labelCol: number): boolean {
  if (first.some((cell, i) => i !== labelCol && !isNumber(cell))) return true
  return !isNumber(first[labelCol]) && isNumber(second?.[labelCol])
}

// Labels are class indices when every cell is a number (then each must be an integer >= 0),
// else class names, numbered in sorted order so that row order does not change the mapping.
function encodeLabels(cells: string[], bad: (row: number, cell: string, expected: string) => Error) {
  const labels = new Int32Array(cells.length)
  if (cells.every((c) => isNumber(c))) {
    cells.forEach((cell, r) => {
      const v = Number(cell)
      if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff)
        throw bad(r, cell, 'a class index (an integer >= 0) or a class name')
      labels[r] = v
    })
    return { labels, classNames: undefined }
  }
  const classNames = [...new Set(cells)].sort()
  const index = new Map(classNames.map((name, i) => [name, i]))
  cells.forEach((cell, r) => {
    if (cell === '') throw bad(r, cell, 'a class name')
    labels[r] = index.get(cell)!
  })
  return { labels, classNames }
}

function badCell(
  file: string,
  line: number,
  col: number,
  names: string[],
  cell: string,
  expected: string,
): DatasetError {
  return new DatasetError(
    DatasetErrorCode.malformed,
    file,
    `line ${line}, column ${col + 1} (${JSON.stringify(names[col])}): expected ${expected}, found ${JSON.stringify(cell)}`,
  )
}
