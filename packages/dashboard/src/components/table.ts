// A table of fixed-width columns that scrolls to keep the selected row in view.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import { fit } from '../format.js'

export interface Column {
  title: string
  width: number
  align?: 'left' | 'right'
}

/** One row: its cells, and optionally a colour for the whole row or per cell. */
export interface Row {
  key: string
  cells: string[]
  color?: string
  cellColors?: Array<string | undefined>
  dim?: boolean
}

export interface TableProps {
  columns: Column[]
  rows: Row[]
  /** Index of the selected row (drawn inverse), or -1. */
  selected: number
  /** Rows of the body, header excluded. */
  height: number
  /** Shown instead of rows when there are none. */
  empty?: string
  /** Whether the table has the keyboard (selection drawn brighter). */
  focused?: boolean
}

/** The first row to show so that `selected` is visible in `height` rows. */
export function scrollTop(selected: number, count: number, height: number): number {
  if (count <= height || selected < 0) return 0
  return Math.min(Math.max(0, selected - Math.floor(height / 2)), count - height)
}

/** A header row and up to `height` body rows. */
export function Table({ columns, rows, selected, height, empty, focused = true }: TableProps): ReactElement {
  const top = scrollTop(selected, rows.length, height)
  const shown = rows.slice(top, top + height)
  const full = columns.map((c) => fit(c.title, c.width, c.align)).join(' ')
  // Where the list is, over the end of the header (a title cut short says less than this).
  const more = rows.length > height ? ` ${top + 1}-${top + shown.length}/${rows.length}` : ''
  const header = more
    ? full
        .trimEnd()
        .slice(0, Math.max(0, full.length - more.length))
        .padEnd(full.length - more.length)
    : full
  const body =
    shown.length === 0
      ? [h(Text, { key: 'empty', dimColor: true }, empty ?? 'nothing yet')]
      : shown.map((row, i) => {
          const isSel = top + i === selected
          const cells = columns.map((c, k) => {
            const text = fit(row.cells[k] ?? '', c.width, c.align) + (k < columns.length - 1 ? ' ' : '')
            const color = row.cellColors?.[k] ?? row.color
            return h(Text, { key: k, ...(color && !isSel ? { color } : {}) }, text)
          })
          return h(
            Text,
            {
              key: row.key,
              wrap: 'truncate',
              inverse: isSel && focused,
              bold: isSel,
              dimColor: row.dim === true && !isSel,
            },
            ...cells,
          )
        })
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true, wrap: 'truncate' }, header, h(Text, { dimColor: true }, more)),
    ...body,
  )
}
