// After the search: the trials an ensemble may draw on (the best ones overall, and each
// family's best so selection has different kinds of model to combine), and the job spec of
// the ensemble, which the cluster trains, evaluates and registers like any job.
import { familyOf } from './family-board.js'

/** A finished sweep trial as candidate selection sees it. */
export interface TrialResult {
  id: string
  params: Record<string, unknown>
  /** Its stored model (kiln_models object). */
  artifact?: string
  /** Its best value of the sweep's metric. */
  value?: number
}

/** Candidates at most; Caruana et al. draw on libraries of hundreds, but each costs a prediction pass. */
export const MAX_CANDIDATES = 12

/** The best `max` trials with models, each family's best among them. */
export function chooseCandidates(
  trials: readonly TrialResult[],
  mode: 'min' | 'max',
  max = MAX_CANDIDATES,
): (TrialResult & { artifact: string; value: number })[] {
  const sign = mode === 'max' ? 1 : -1
  const ranked = trials
    .filter(
      (t): t is TrialResult & { artifact: string; value: number } =>
        t.artifact !== undefined && t.value !== undefined && Number.isFinite(t.value),
    )
    .sort((a, b) => sign * (b.value - a.value) || a.id.localeCompare(b.id))
  const picked = new Map<string, (typeof ranked)[number]>()
  // Each family's best first, then the best of the rest.
  for (const t of ranked) {
    const family = familyOf(t.params)
    if (![...picked.values()].some((p) => familyOf(p.params) === family)) picked.set(t.id, t)
  }
  for (const t of ranked) if (picked.size < max && !picked.has(t.id)) picked.set(t.id, t)
  return [...picked.values()].slice(0, max).sort((a, b) => sign * (b.value - a.value) || a.id.localeCompare(b.id))
}

/** The ensemble job's spec: the sweep's dataset and splits, its candidates as members. */
export function ensembleSpec(
  sweepSpec: Record<string, unknown>,
  candidates: readonly (TrialResult & { artifact: string })[],
  metric: 'accuracy' | 'log_loss' | 'mse',
  refit = true,
  /** Seconds the refit may run to from the ensemble's start (model.refitBudget); unset: no limit. */
  refitBudget?: number,
): Record<string, unknown> {
  const training = sweepSpec.training as Record<string, unknown>
  return {
    name: sweepSpec.name,
    dataset: sweepSpec.dataset,
    model: {
      builtin: 'ensemble',
      members: candidates.map((c) => ({ artifact: c.artifact, label: c.id, family: familyOf(c.params) })),
      metric,
      // With refit, the chosen members then also learn from the validation rows.
      refit,
      ...(refit && refitBudget !== undefined ? { refitBudget } : {}),
    },
    // The same seed and splits as the sweep: the candidates are judged on the rows they
    // were selected on, and the test rows stay unseen by all of them.
    training: {
      validationSplit: training.validationSplit,
      ...(training.testSplit !== undefined ? { testSplit: training.testSplit } : {}),
      seed: training.seed,
    },
    metric: sweepSpec.metric,
    tags: { ...(sweepSpec.tags as Record<string, unknown>), ensemble: true },
  }
}
