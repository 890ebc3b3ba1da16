// Model versions in words for `kiln models` and `kiln models show`: the listing row, the
// approval, the signature and the lineage (job, sweep, trial, params, dataset, code).
import type { ModelLineage } from '@kiln/protocol'
import type { ModelVersionView } from '@kiln/client'
import { duration } from './format.js'

/** 12_345 -> "12.3 KB". */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = bytes / 1000
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

/** "3 min 05 s ago". */
export function agoText(ms: number, now = Date.now()): string {
  return `${duration(Math.max(0, now - ms))} ago`
}

/** The header row of `kiln models`. */
export const MODEL_COLUMNS = [
  'MODEL',
  'VERSION',
  'ALIASES',
  'APPROVAL',
  'TEST ACC',
  'F1 MACRO',
  'SIZE',
  'CREATED',
  'ENDPOINTS',
]

const f4 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4))

/** One `kiln models` row. */
export function modelRow(v: ModelVersionView, now = Date.now()): string[] {
  const m = v.record.metrics ?? {}
  const ev = v.record.evaluation
  const accuracy = m.test_accuracy ?? (ev?.task === 'classification' ? ev.accuracy : undefined)
  const f1 = m.test_f1_macro ?? (ev?.task === 'classification' ? ev.macro.f1 : undefined)
  return [
    v.record.model,
    String(v.record.version),
    v.aliases.join(',') || '-',
    v.archived ? 'archived' : v.approval,
    f4(accuracy),
    f4(f1),
    v.archived ? '(reclaimed)' : sizeText(v.record.bytes),
    agoText(v.record.createdAt, now),
    v.endpoints.join(',') || '-',
  ]
}

/** "approved by alice 2 min ago: reason", or "pending". */
export function approvalText(v: ModelVersionView, now = Date.now()): string {
  const d = v.decision
  if (!d) return 'pending (no decision yet)'
  return `${d.status} by ${d.by} ${agoText(d.at, now)}${d.reason ? `: ${d.reason}` : ''}`
}

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')
}

/** Where a version came from, as sentences. */
export function lineageText(
  lineage: ModelLineage | undefined,
  extra: { dataset?: { name: string; fingerprint?: string }; bundleId?: string } = {},
): string {
  const l = lineage ?? {}
  const parts: string[] = []
  if (l.sweepId)
    parts.push(
      `The best trial${l.trialId ? ` (${l.trialId})` : ''} of sweep ${l.sweepId}${l.jobId ? `, job ${l.jobId}` : ''}.`,
    )
  else if (l.jobId) parts.push(`Trained by job ${l.jobId}${l.trialId ? `, trial ${l.trialId}` : ''}.`)
  else parts.push('Published directly (no job or sweep recorded).')
  if (l.params && Object.keys(l.params).length) parts.push(`Hyperparameters: ${paramsText(l.params)}.`)
  const ds = extra.dataset
  if (ds || l.datasetHash)
    parts.push(
      `Dataset ${ds?.name ?? '(unnamed)'}${l.datasetHash ? `, stored as ${l.datasetHash.slice(0, 12)}` : ''}${ds?.fingerprint ? `, content ${ds.fingerprint.slice(0, 12)}` : ''}.`,
    )
  parts.push(extra.bundleId ? `Code: script bundle ${extra.bundleId.slice(0, 12)}.` : 'Code: a builtin model.')
  if (l.source) parts.push(`Source: ${l.source}.`)
  return parts.join(' ')
}

/** What kiln-model.json says about inputs and outputs (a `signature` if written, else the dataset's shapes). */
export function signatureText(meta: unknown): string {
  type Tensor = { name?: string; datatype?: string; shape?: number[]; classNames?: string[] }
  const m = (meta ?? {}) as {
    signature?: { inputs?: Tensor[]; outputs?: Tensor[] }
    dataset?: { sampleShape?: number[]; numClasses?: number; classNames?: string[] }
  }
  const d = m.dataset
  if (m.signature?.inputs && m.signature.outputs) {
    // Kiln's tensor names (kiln-model.json's signature), as requests and responses use them.
    const text = (t: Tensor) => `${t.name} ${t.datatype ?? 'FP32'} [${(t.shape ?? []).join(', ')}]`
    const scores = (t: Tensor) =>
      t.classNames?.length
        ? ` class scores (${t.classNames.join(', ')})`
        : d?.numClasses !== undefined && t.shape?.at(-1) === d.numClasses && d.numClasses > 1
          ? ' class scores'
          : ''
    return [...m.signature.inputs.map(text), ...m.signature.outputs.map((t) => text(t) + scores(t))].join('; ')
  }
  if (!d?.sampleShape) return 'unknown (no kiln-model.json)'
  const names = d.classNames?.length ? ` (${d.classNames.join(', ')})` : ''
  return `input FP32 [-1, ${d.sampleShape.join(', ')}]; output FP32 [-1, ${d.numClasses}] class scores${names}`
}
