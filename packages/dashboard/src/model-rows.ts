// The Models view's rows: every registered version with its registry state (aliases,
// approval, archival) and the endpoints serving it, built the way `kiln models` builds them
// (modelVersionViews) from the watched records instead of reading the buckets again.
import { modelVersionViews, type ModelVersionView } from '@kiln/client'
import type { DashState } from './state.js'

/** Versions by model name, newest version first within a model; deleted ones left out. */
export function modelRows(state: DashState): ModelVersionView[] {
  const live = [...state.models.values()].filter(
    (r) => !state.registry.get(r.model)?.versions[String(r.version)]?.deleted,
  )
  return modelVersionViews(live, state.registry, state.endpoints.values()).sort(
    (a, b) => a.record.model.localeCompare(b.record.model) || b.record.version - a.record.version,
  )
}

/** The headline test figure of a version: accuracy for a classifier, RMSE for a regressor. */
export function headlineMetric(v: ModelVersionView): { name: string; value?: number } {
  const m = v.record.metrics ?? {}
  const ev = v.record.evaluation
  if (ev?.task === 'regression' || m.test_rmse !== undefined)
    return { name: 'rmse', value: m.test_rmse ?? (ev?.task === 'regression' ? ev.rmse : undefined) }
  return { name: 'acc', value: m.test_accuracy ?? (ev?.task === 'classification' ? ev.accuracy : undefined) }
}
