// POST /v2/models/{name}/ground_truth: the true classes of captured requests, by request id,
// posted when the service learns them. Each is scored against the prediction the gateway
// served (live accuracy per variant, see monitor/quality-monitor.ts) and kept in the capture
// stream beside the request for `kiln capture`. Body:
//   {"ground_truth": [{"id": "r1", "label": 2}, {"id": "r2", "labels": [0, "blue"]}]}
// A label is a class index or a class name of the model's output.
import type { Hono } from 'hono'
import { ValidationError } from '@kiln/protocol'
import type { Capture, TruthRecord } from '../monitor/capture.js'
import type { QualityMonitor, TruthOutcome } from '../monitor/quality-monitor.js'

const MAX_ENTRIES = 10_000

export interface GroundTruthDeps {
  quality: QualityMonitor
  capture: Capture | undefined
  /** The class names of what `name` serves now, if it has any. */
  classNamesOf(name: string): readonly string[] | undefined
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

function parseLabel(v: unknown, field: string, classNames: readonly string[] | undefined): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v
  if (typeof v === 'string' && classNames) {
    const i = classNames.indexOf(v)
    if (i >= 0) return i
  }
  throw new ValidationError(
    field,
    `a class index (an integer >= 0)${classNames ? ` or one of ${classNames.slice(0, 10).join(', ')}` : ''}`,
    { got: typeof v === 'string' ? JSON.stringify(v.slice(0, 32)) : kind(v) },
  )
}

/** Parses a ground-truth body (every problem names its field; nothing is applied then). */
export function parseGroundTruth(body: unknown, classNames?: readonly string[]): TruthRecord[] {
  const list = (body as { ground_truth?: unknown } | null)?.ground_truth
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ENTRIES)
    throw new ValidationError('ground_truth', `a list of 1-${MAX_ENTRIES} {id, label | labels}`, { got: kind(list) })
  const at = Date.now()
  return list.map((e, i) => {
    const field = `ground_truth[${i}]`
    const o = e as { id?: unknown; label?: unknown; labels?: unknown }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new ValidationError(field, 'an object {id, label | labels}', { got: kind(e) })
    if (typeof o.id !== 'string' || o.id === '' || o.id.length > 256)
      throw new ValidationError(`${field}.id`, 'the id of a captured request (a string)', { got: kind(o.id) })
    const raw = o.labels !== undefined ? o.labels : [o.label]
    if (
      !Array.isArray(raw) ||
      raw.length === 0 ||
      raw.length > 65_536 ||
      (o.labels === undefined && o.label === undefined)
    )
      throw new ValidationError(`${field}.label`, 'a label, or labels: one per row of the request', { got: kind(raw) })
    const labels = raw.map((l, r) =>
      parseLabel(l, o.labels !== undefined ? `${field}.labels[${r}]` : `${field}.label`, classNames),
    )
    return { id: o.id, labels, at }
  })
}

/** Adds the route (behind the same API key middleware as every /v2/models/{name} route). */
export function groundTruthRoute(app: Hono, d: GroundTruthDeps): void {
  app.post('/v2/models/:name/ground_truth', async (c) => {
    const name = c.req.param('name')
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw new ValidationError('body', 'a JSON object {"ground_truth": [...]}', { got: 'invalid JSON' })
    }
    const records = parseGroundTruth(body, d.classNamesOf(name))
    const counts: Record<TruthOutcome, number> = { matched: 0, unknown: 0, 'mismatched-rows': 0 }
    for (const r of records) counts[d.quality.truth(name, r.id, r.labels)]++
    d.capture?.truth(name, records)
    return c.json({ matched: counts.matched, unknown: counts.unknown, wrong_row_count: counts['mismatched-rows'] })
  })
}
