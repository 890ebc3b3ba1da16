/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Endpoints: each endpoint's variants with their traffic weights, requests per second and
// p50/p99 latency (from the gateway's /metrics), drift; promote a variant or roll an
// endpoint back, each after a y.
import type { ReactElement } from 'react'
import { Box, Text } from 'ink'
import { useKeys } from '../use-keys.js'
import { variantRows, type VariantRow } from '../derive.js'
import { age, metric, millis } from '../format.js'
import { ConfirmLine, type Pending } from '../components/confirm.js'
import { Table } from '../components/table.js'
import type { ViewProps } from '../view-props.js'

export interface EndpointsNav {
  selected: number
  confirm?: Pending
}

export const initialEndpointsNav: EndpointsNav = { selected: 0 }

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

function bar(share: number, width: number): string {
  const full = Math.round(share * width)
  return '█'.repeat(full) + '░'.repeat(Math.max(0, width - full))
}

// Mean feature PSI of the last window (2 decimals: the threshold is 0.2).
function driftText(r: VariantRow): string {
  // A version whose loads fail says so first (the gateway retries it with backoff).
  if (r.traffic?.failedAttempts) return `LOAD FAILED ×${r.traffic.failedAttempts}`
  const psi = r.traffic?.featurePsi ?? r.drift?.featurePsi
  if (psi === undefined) return '-'
  return `${r.traffic?.drifted || (r.drift && r.traffic?.drifted !== false) ? 'DRIFT' : 'ok'} ${psi.toFixed(2)}`
}

/** The Endpoints view. */
export function EndpointsView(p: ViewProps<EndpointsNav>): ReactElement {
  const { state, nav, setNav, width, height } = p
  const rows = variantRows(state)
  const sel = clamp(nav.selected, rows.length)

  useKeys((input, key) => {
    const nav = p.getNav()
    const sel = clamp(nav.selected, rows.length)
    if (nav.confirm) {
      const pending = nav.confirm
      p.holdKeys(false)
      setNav({ selected: sel })
      if (input === 'y' || input === 'Y') void pending.run()
      return
    }
    if (key.upArrow) return setNav({ selected: clamp(sel - 1, rows.length) })
    if (key.downArrow) return setNav({ selected: clamp(sel + 1, rows.length) })
    const r = rows[sel]
    if (!r) return
    if (input === 'p') {
      p.holdKeys(true)
      setNav({
        selected: sel,
        confirm: {
          question: `Promote ${r.variant.name} to all of ${r.endpoint}'s traffic?`,
          run: () => p.actions.promote(r.endpoint, r.variant.name),
        },
      })
    }
    if (input === 'r') {
      p.holdKeys(true)
      setNav({
        selected: sel,
        confirm: {
          question: `Roll ${r.endpoint} back from revision ${r.revision} to the one before?`,
          run: () => p.actions.rollback(r.endpoint),
        },
      })
    }
  }, p.active)

  const alerts = state.alerts.slice(-Math.max(0, Math.floor(height / 3) - 1)).reverse()
  const tableH = Math.max(2, height - alerts.length - 5)
  const gw = state.gateway
  const gwLine = !gw
    ? 'gateway: no /metrics (kiln dash --gateway URL)'
    : gw.error
      ? gw.error
      : `gateway ${gw.url} · scraped ${age(state.now - gw.at)} ago`
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Table
        columns={[
          { title: 'ENDPOINT', width: 10 },
          { title: 'VARIANT', width: Math.max(8, width - 71) },
          { title: 'MODEL', width: 12 },
          { title: 'WEIGHT', width: 11 },
          { title: 'REQ/S', width: 6, align: 'right' },
          { title: 'P50', width: 7, align: 'right' },
          { title: 'P99', width: 7, align: 'right' },
          { title: 'DRIFT', width: 10 },
        ]}
        rows={rows.map((r) => ({
          key: `${r.endpoint}/${r.variant.name}`,
          cells: [
            r.endpoint,
            r.variant.name + (r.variant.shadow ? ' (shadow)' : ''),
            `${r.variant.model}@${r.variant.version}`,
            `${bar(r.share, 6)} ${Math.round(r.share * 100)}%`,
            r.traffic?.reqPerSec === undefined ? '-' : r.traffic.reqPerSec.toFixed(1),
            millis(r.traffic?.p50Ms),
            millis(r.traffic?.p99Ms),
            driftText(r),
          ],
          cellColors: [
            undefined,
            r.variant.shadow ? 'gray' : undefined,
            undefined,
            'cyan',
            undefined,
            undefined,
            undefined,
            r.traffic?.drifted || r.drift || r.traffic?.failedAttempts ? 'red' : 'green',
          ],
        }))}
        selected={sel}
        height={tableH}
        empty="no endpoints: deploy a model with kiln deploy MODEL (or let the demo do it)"
      />
      <Text dimColor={!gw?.error} color={gw?.error ? 'yellow' : undefined} wrap="truncate">
        {gwLine}
      </Text>
      <Text bold>Drift alerts</Text>
      {alerts.length === 0 ? (
        <Text dimColor>none</Text>
      ) : (
        alerts.map((a) => (
          <Text key={`${a.at} ${a.model}@${a.version}`} color="red" wrap="truncate">
            {`${age(state.now - a.at)} ago ${a.model}@${a.version}: feature PSI ${metric(a.featurePsi)} > ${a.threshold}` +
              `${a.predictionPsi !== undefined ? `, predictions ${metric(a.predictionPsi)}` : ''}; worst features ${a.worst
                .slice(0, 3)
                .map((w) => w.index)
                .join(', ')}`}
          </Text>
        ))
      )}
      {nav.confirm ? <ConfirmLine question={nav.confirm.question} /> : <Text> </Text>}
    </Box>
  )
}
