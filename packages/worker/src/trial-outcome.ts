// What a finished trial's outcome becomes in the cluster: a transform shard's scored rows, a
// sweep trial's stored files, a published model version, or (an objective function) only
// its metrics. The host sends the returned status; the log line follows it.
import { publishModelVersion, storeModelFiles, type Layout } from '@kiln/cluster-state'
import type { TrialAssignment, TrialStatusUpdate } from '@kiln/protocol'
import type { TrialOutcome } from './thread-messages.js'
import { storeShard } from './transform-output.js'

/** The success status of a trial, and the log line that says what it left. */
export interface StoredOutcome {
  update: Omit<TrialStatusUpdate, 'v' | 'trialId' | 'nodeId' | 'attempt'>
  message: string
  fields: Record<string, unknown>
}

/** Stores what the trial produced where its assignment says, and names it in the status. */
export async function storeOutcome(layout: Layout, a: TrialAssignment, outcome: TrialOutcome): Promise<StoredOutcome> {
  const spec = a.spec as { name: string }
  if (outcome.shard) {
    // A transform shard: its rows' predictions are its result, kept for the client.
    const stored = await storeShard(layout, a.jobId, a.shard!.index, outcome.shard)
    return {
      update: { state: 'succeeded', metrics: outcome.metrics, artifact: stored },
      message: 'shard scored',
      fields: { trialId: a.trialId, shard: a.shard!.index, ...outcome.metrics },
    }
  }
  if (Object.keys(outcome.files).length === 0) {
    // An objective-function trial: its metrics are its result.
    return {
      update: { state: 'succeeded', metrics: outcome.metrics },
      message: 'trial succeeded (no model)',
      fields: { trialId: a.trialId, ...outcome.metrics },
    }
  }
  const evaluation = outcome.evaluation ? { evaluation: outcome.evaluation } : {}
  const files = new Map(Object.entries(outcome.files))
  if (a.publish === 'artifact') {
    // A sweep trial: its files are kept; the coordinator registers the sweep's best.
    const stored = await storeModelFiles(layout, spec.name, files)
    return {
      update: { state: 'succeeded', metrics: outcome.metrics, artifact: stored.object, ...evaluation },
      message: 'trial succeeded',
      fields: { trialId: a.trialId, artifact: stored.object, ...outcome.metrics },
    }
  }
  const version = await publishModelVersion(layout, {
    model: spec.name,
    files,
    metrics: outcome.metrics,
    lineage: {
      jobId: a.jobId,
      trialId: a.trialId,
      ...(a.params ? { params: a.params } : {}),
      ...(a.datasetId ? { datasetHash: a.datasetId } : {}),
    },
  })
  return {
    update: {
      state: 'succeeded',
      metrics: outcome.metrics,
      model: { name: version.model, version: version.version },
      ...evaluation,
    },
    message: 'trial succeeded',
    fields: { trialId: a.trialId, model: `${version.model}@${version.version}`, ...outcome.metrics },
  }
}
