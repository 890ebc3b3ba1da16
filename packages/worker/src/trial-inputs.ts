// What a trial needs from the cluster's stores before its thread starts: the dataset file
// (cached on this node by content hash), the trial script bundle (cached likewise, its
// imports of tfjs and Kiln resolving to this worker's own packages), an ensemble's
// candidate models (stored sweep trials, from kiln_models) and a transform shard's model files.
import { fileURLToPath } from 'node:url'
import { fetchBundle } from '@kiln/bundle'
import { getModelVersion, readModelFiles, type Layout } from '@kiln/cluster-state'
import { fetchDatasetFile } from '@kiln/data'
import { isRecord, type ModelVersionRecord, type TrialAssignment } from '@kiln/protocol'
import type { TrialTask } from './thread-messages.js'

/** Fetches (or finds in `cacheDir`) the dataset and bundle an assignment names. */
export async function fetchTrialInputs(
  a: TrialAssignment,
  layout: Layout,
  cacheDir: string,
): Promise<Partial<TrialTask>> {
  const out: Partial<TrialTask> = {}
  if (a.datasetId) out.datasetFile = (await fetchDatasetFile(layout.objects.datasets, a.datasetId, { cacheDir })).path
  // A transform shard scores a registered model version (its spec says which).
  if (a.shard) {
    const { model, version } = a.spec as { model: string; version: number }
    out.modelFiles = await readModelFiles(layout, await getModelVersion(layout, model, version))
  }
  if (a.bundleId) {
    out.scriptFile = await fetchBundle(layout.objects.bundles, a.bundleId, cacheDir, {
      resolveFrom: [fileURLToPath(import.meta.resolve('@kiln/train'))],
    })
  }
  const artifacts = ensembleArtifacts(a.spec)
  if (artifacts.length > 0) {
    out.candidates = {}
    for (const artifact of artifacts) {
      const files = await readModelFiles(layout, { object: artifact } as ModelVersionRecord)
      out.candidates[artifact] = Object.fromEntries(files)
    }
  }
  return out
}

// The stored models an ensemble spec lists (the trial thread checks the spec itself).
function ensembleArtifacts(spec: unknown): string[] {
  const model = isRecord(spec) ? spec.model : undefined
  if (!isRecord(model) || model.builtin !== 'ensemble' || !Array.isArray(model.members)) return []
  return [...new Set(model.members.flatMap((m) => (isRecord(m) && typeof m.artifact === 'string' ? [m.artifact] : [])))]
}
