// The text layer of CSV (RFC 4180): records of string fields. Quoted fields may hold
// delimiters, doubled quotes and newlines; lines may end in LF or CRLF. Numbers are the
// next layer's business (csv-reader.ts).
import { DatasetError, DatasetErrorCode } from './errors.js'

/** Records of a CSV text, with the 1-based line on which each record starts (for errors). */
export interface CsvRecords {
  records: string[][]
  lines: number[]
}

const QUOTE = 34
const CR = 13
const LF = 10

/** Splits CSV text into records; blank lines are skipped. `file` names the source in errors. */
export function parseCsvRecords(text: string, file: string, delimiter = ','): CsvRecords {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new DatasetError(
      DatasetErrorCode.unsupported,
      file,
      `delimiter ${JSON.stringify(delimiter)} is not usable, expected one character other than a quote or newline`,
    )
  }
  const delim = delimiter.charCodeAt(0)
  const start0 = text.charCodeAt(0) === 0xfeff ? 1 : 0 // a UTF-8 BOM from spreadsheet exports
  const records: string[][] = []
  const lines: number[] = []
  const n = text.length
  let i = start0
  let line = 1
  while (i < n) {
    const recordLine = line
    const fields: string[] = []
    // One record: fields until an unquoted newline or the end of the text.
    for (;;) {
      let field: string
      if (text.charCodeAt(i) === QUOTE) {
        let j = i + 1
        let parts = ''
        for (;;) {
          const q = text.indexOf('"', j)
          if (q < 0) {
            throw new DatasetError(
              DatasetErrorCode.malformed,
              file,
              `line ${recordLine}: a quoted field is never closed`,
            )
          }
          parts += text.slice(j, q)
          if (text.charCodeAt(q + 1) === QUOTE) {
            parts += '"'
            j = q + 2
            continue
          }
          j = q + 1
          break
        }
        for (let k = i; k < j; k++) if (text.charCodeAt(k) === LF) line++
        field = parts
        i = j
        const c = text.charCodeAt(i)
        if (i < n && c !== delim && c !== LF && !(c === CR && text.charCodeAt(i + 1) === LF)) {
          throw new DatasetError(
            DatasetErrorCode.malformed,
            file,
            `line ${line}: unexpected ${JSON.stringify(text[i])} after a closing quote, expected ${JSON.stringify(delimiter)} or end of line`,
          )
        }
      } else {
        let j = i
        for (; j < n; j++) {
          const c = text.charCodeAt(j)
          if (c === delim || c === LF) break
        }
        field = text.slice(i, text.charCodeAt(j - 1) === CR && (j === n || text.charCodeAt(j) === LF) ? j - 1 : j)
        i = j
      }
      fields.push(field)
      if (i < n && text.charCodeAt(i) === delim) {
        i++
        continue
      }
      // End of record: step over CRLF or LF.
      if (text.charCodeAt(i) === CR) i++
      if (text.charCodeAt(i) === LF) {
        i++
        line++
      }
      break
    }
    if (fields.length === 1 && fields[0]!.trim() === '') continue
    records.push(fields)
    lines.push(recordLine)
  }
  return { records, lines }
}
