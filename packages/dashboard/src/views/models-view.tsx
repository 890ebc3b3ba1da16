/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Models: the registry as `kiln models` lists it (every version with its aliases, approval,
// test figure, size, age and the endpoints serving it) and, for the selected version, who
// decided its approval and why, its evaluation and where it came from. `a` approves the
// selected version and `c` makes it the champion, each after a y.
import type { ReactElement } from 'react'
import { Box, Text } from 'ink'
import { sizeText, type ModelVersionView } from '@kiln/client'
import { clampRow as clamp, useListKeys, type ListNav } from '../use-list-keys.js'
import { age, metric, paramsText } from '../format.js'
import { ConfirmLine } from '../components/confirm.js'
import { Table } from '../components/table.js'
import { headlineMetric, modelRows } from '../model-rows.js'
import type { ViewProps } from '../view-props.js'

export type ModelsNav = ListNav

export const initialModelsNav: ModelsNav = { selected: 0 }

/** The alias `c` moves: the one deploys and pipeline gates follow by convention. */
export const CHAMPION = 'champion'

const APPROVAL_COLOR: Record<string, string> = { approved: 'green', rejected: 'red', pending: 'yellow' }

function approvalLine(v: ModelVersionView, now: number): string {
  if (v.archived) return `archived by ${v.archived.by} ${age(now - v.archived.at)} ago (files reclaimed)`
  const d = v.decision
  if (!d) return 'pending: no approval decision yet'
  return `${d.status} by ${d.by} ${age(now - d.at)} ago${d.reason ? `: ${d.reason}` : ''}`
}

function lineageLine(v: ModelVersionView): string {
  const l = v.record.lineage ?? {}
  const from = l.sweepId
    ? `sweep ${l.sweepId}${l.trialId ? ` trial ${l.trialId}` : ''}`
    : l.jobId
      ? `job ${l.jobId}`
      : (l.source ?? 'registered by hand')
  const params = paramsText(l.params)
  return `from ${from}${params ? ` · ${params}` : ''}`
}

function evaluationLine(v: ModelVersionView): string {
  const ev = v.record.evaluation
  if (!ev) return 'test: no evaluation recorded'
  if (ev.task === 'regression')
    return `test (${ev.count} rows): rmse ${metric(ev.rmse)}  mae ${metric(ev.mae)}  r² ${metric(ev.r2)}`
  return `test (${ev.count} rows): acc ${metric(ev.accuracy)}  f1 macro ${metric(ev.macro.f1)}  log loss ${metric(ev.logLoss)}`
}

/** The Models view. */
export function ModelsView(p: ViewProps<ModelsNav>): ReactElement {
  const { state, nav, width, height } = p
  const rows = modelRows(state)
  const sel = clamp(nav.selected, rows.length)

  useListKeys(p, rows.length, (input, _key, sel, ask) => {
    const v = rows[sel]
    if (!v) return
    const ref = `${v.record.model}@${v.record.version}`
    if (input === 'a') ask(`Approve ${ref}?`, () => p.actions.approve(ref))
    if (input === 'c') ask(`Make ${ref} the ${CHAMPION} of ${v.record.model}?`, () => p.actions.alias(ref, CHAMPION))
  })

  const v = rows[sel]
  const detail = v
    ? [
        `${v.record.model}@${v.record.version}  ${approvalLine(v, state.now)}`,
        evaluationLine(v),
        lineageLine(v),
        `served by ${v.endpoints.join(', ') || 'no endpoint'} · ${v.archived ? 'files reclaimed' : `${sizeText(v.record.bytes)} in ${v.record.files.length} files`}`,
      ]
    : []
  const tableH = Math.max(2, height - detail.length - 3)
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Table
        columns={[
          { title: 'MODEL', width: Math.max(8, width - 66) },
          { title: 'VER', width: 4, align: 'right' },
          { title: 'ALIASES', width: 10 },
          { title: 'APPROVAL', width: 9 },
          { title: 'TEST', width: 11 },
          { title: 'SIZE', width: 8, align: 'right' },
          { title: 'AGE', width: 6, align: 'right' },
          { title: 'ENDPOINTS', width: 10 },
        ]}
        rows={rows.map((r) => {
          const h = headlineMetric(r)
          const approval = r.archived ? 'archived' : r.approval
          return {
            key: `${r.record.model}@${r.record.version}`,
            cells: [
              r.record.model,
              String(r.record.version),
              r.aliases.join(',') || '-',
              approval,
              h.value === undefined ? '-' : `${h.name} ${metric(h.value)}`,
              r.archived ? '-' : sizeText(r.record.bytes),
              age(state.now - r.record.createdAt),
              r.endpoints.join(',') || '-',
            ],
            cellColors: [undefined, undefined, 'cyan', r.archived ? 'gray' : APPROVAL_COLOR[approval]],
            ...(r.archived ? { dim: true } : {}),
          }
        })}
        selected={sel}
        height={tableH}
        empty="no models: a finished job or sweep registers one (kiln train, kiln submit, kiln sweep)"
      />
      <Text> </Text>
      {detail.map((line) => (
        <Text key={line} wrap="truncate">
          {line}
        </Text>
      ))}
      {nav.confirm ? <ConfirmLine question={nav.confirm.question} /> : <Text> </Text>}
    </Box>
  )
}
