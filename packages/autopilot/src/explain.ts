// What the registered ensemble says about itself: its members and weights, how selection
// went, which features matter (permutation importance, from ensemble.json), and its test
// evaluation (accuracy and per-class figures, or regression errors, from the registry).
import type { NatsConnection } from '@nats-io/transport-node'
import { ModelsClient } from '@kiln/client'
import type { Evaluation } from '@kiln/protocol'
import type { EnsembleInfo } from '@kiln/train'

/** The ensemble, explained. */
export interface Explanation {
  members: { label: string; family?: string; weight: number }[]
  selection?: EnsembleInfo['selection']
  /** Set when the members were trained again on training + validation rows after selection. */
  refit?: EnsembleInfo['refit']
  importance?: { feature: string; importance: number; std: number }[]
  /** The test split's figures. */
  evaluation?: Evaluation
  metrics?: Record<string, number>
}

/** Reads model@version's ensemble.json and evaluation. */
export async function explainVersion(nc: NatsConnection, model: string, version: number): Promise<Explanation> {
  const client = new ModelsClient(nc)
  const { record } = await client.show(`${model}@${version}`)
  const files = await client.files(record)
  const bytes = files.get('ensemble.json')
  const info = bytes
    ? (JSON.parse(new TextDecoder().decode(bytes)) as {
        members?: Explanation['members']
        selection?: Explanation['selection']
        refit?: Explanation['refit']
        explanation?: { importance?: Explanation['importance'] }
      })
    : {}
  return {
    members: (info.members ?? []).map((m) => ({
      label: m.label,
      weight: m.weight,
      ...(m.family ? { family: m.family } : {}),
    })),
    ...(info.selection ? { selection: info.selection } : {}),
    ...(info.refit ? { refit: info.refit } : {}),
    ...(info.explanation?.importance ? { importance: info.explanation.importance } : {}),
    ...(record.evaluation ? { evaluation: record.evaluation } : {}),
    ...(record.metrics ? { metrics: record.metrics } : {}),
  }
}
