// What `kiln submit` sends: the spec file read and checked here (so mistakes are caught
// before anything reaches the cluster), its dataset in the cluster's dataset store
// (imported on first use, found by name afterwards), and a script: trial bundled and
// uploaded, so nodes need no copy of the user's files.
import { resolve } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { bindLayout, type Layout } from '@kiln/cluster-state'
import { findDataset, importDataset, importSource, resolveDataset, type DatasetRecord } from '@kiln/data'
import { NotFoundError } from '@kiln/protocol'
import { checkSearchSpace, parseOverride, readSpecFile, type Spec } from '@kiln/train'
import type { SubmitOptions } from '@kiln/client'

export interface Submission {
  spec: Spec
  options: SubmitOptions
  /** What was uploaded on the way (for the user). */
  notes: string[]
}

/**
 * The stored dataset `ref` names (a name or id prefix in the cluster's store), or the file or
 * registered dataset it names here, imported on first use (a note says so).
 */
export async function clusterDataset(
  layout: Pick<Layout, 'objects'>,
  ref: string,
  baseDir: string,
  notes: string[],
): Promise<DatasetRecord> {
  const found = await findDataset(layout.objects.datasets, ref).catch((err) => {
    if (err instanceof NotFoundError || (err as { code?: string }).code === 'not_found') return undefined
    throw err
  })
  if (found) return found
  const source = importSource(ref, baseDir)
  const record = await importDataset(layout.objects.datasets, await resolveDataset(source.location), {
    name: source.defaultName,
    source: source.location,
  })
  notes.push(`imported dataset ${record.name} (${record.id.slice(0, 12)})`)
  return record
}

/** Reads SPEC with --set overrides and puts its inputs where the cluster's nodes find them. */
export async function prepareSubmission(
  nc: NatsConnection,
  path: string,
  sets: readonly string[],
): Promise<Submission> {
  const overrides = Object.fromEntries(sets.map((s) => parseOverride(s)))
  const file = await readSpecFile(path, overrides)
  // A sweep's space is checked against the job spec here too, before anything is uploaded.
  if (file.spec.search) checkSearchSpace(file.spec, path)
  // Bound, not created: the cluster's coordinator made the layout with its own settings
  // (heartbeat, replicas), which a client must not check against its defaults.
  const layout = await bindLayout(nc)
  const notes: string[] = []
  const options: SubmitOptions = {}

  options.datasetId = (await clusterDataset(layout, file.spec.dataset, file.baseDir, notes)).id

  let spec = file.spec
  if ('script' in spec.model) {
    const { bundleTrialScript, uploadBundle } = await import('@kiln/bundle')
    const script = resolve(file.baseDir, spec.model.script)
    const bundle = await bundleTrialScript(script)
    options.bundleId = await uploadBundle(layout.objects.bundles, bundle)
    notes.push(`uploaded trial bundle ${options.bundleId.slice(0, 12)} (${bundle.bytes.byteLength} bytes)`)
    spec = { ...spec, model: { ...spec.model, script: bundle.entry } }
  }
  return { spec, options, notes }
}
