// A CSV file as columns of strings, before anything decides what the columns are: the
// autopilot looks at every column (text, numbers, gaps) to choose the target's problem and
// each feature's type, which a numeric reader would refuse outright.
import { DatasetError, DatasetErrorCode, parseCsvRecords } from '@kiln/data'

/** A table of string cells, column by column. */
export interface RawTable {
  /** Names the file in errors. */
  file: string
  /** Header names, or "column N" (1-based) when the file has no header row. */
  columns: string[]
  /** cells[c][r]: column c of data row r, trimmed. */
  cells: string[][]
  rows: number
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** True for a cell that reads as a number. */
export function isNumberCell(cell: string): boolean {
  return NUMBER.test(cell)
}

// A first row is a header when all of it is text, or when a column that holds numbers
// below starts with text ("age" over 31, 45, ...).
function looksLikeHeader(first: string[], rest: string[][]): boolean {
  if (first.every((cell) => cell !== '' && !isNumberCell(cell))) return true
  return first.some((cell, c) => !isNumberCell(cell) && rest.length > 0 && rest.every((r) => isNumberCell(r[c] ?? '')))
}

/** Parses CSV text into columns of trimmed cells; `file` names the source in errors. */
export function rawTable(text: string, file: string, delimiter = ','): RawTable {
  const { records, lines } = parseCsvRecords(text, file, delimiter)
  const first = records[0]?.map((s) => s.trim())
  if (first === undefined) throw new DatasetError(DatasetErrorCode.malformed, file, 'has no rows')
  const width = first.length
  if (width < 2)
    throw new DatasetError(
      DatasetErrorCode.malformed,
      file,
      'has 1 column, expected at least 2 (features and a target)',
    )
  const body = records.slice(1).map((r) => r.map((s) => s.trim()))
  const header = looksLikeHeader(first, body.slice(0, 200))
  const data = header ? body : [first, ...body]
  if (data.length === 0) throw new DatasetError(DatasetErrorCode.malformed, file, 'has a header but no data rows')
  const dataLines = header ? lines.slice(1) : lines
  const cells = Array.from({ length: width }, () => new Array<string>(data.length))
  data.forEach((record, r) => {
    if (record.length !== width)
      throw new DatasetError(
        DatasetErrorCode.malformed,
        file,
        `line ${dataLines[r]} has ${record.length} fields, expected ${width} as on line ${lines[0]}`,
      )
    for (let c = 0; c < width; c++) cells[c]![r] = record[c]!
  })
  const columns = header ? uniqueNames(first) : first.map((_, c) => `column ${c + 1}`)
  return { file, columns, cells, rows: data.length }
}

// Blank or repeated header names would make --target ambiguous: number them.
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>()
  return names.map((raw, c) => {
    const name = raw === '' ? `column ${c + 1}` : raw
    const n = (seen.get(name) ?? 0) + 1
    seen.set(name, n)
    return n === 1 ? name : `${name} (${n})`
  })
}
