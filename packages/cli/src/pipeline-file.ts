// What `kiln pipeline run FILE` sends: the pipeline file with the files it names read in
// (a train or sweep step's `spec: file.yaml`, a transform's `steps: file`, a validate's
// `schema: file`), checked here first (every problem, before anything is uploaded), then its
// data put where the cluster finds it: local dataset paths imported into the dataset store,
// `model.script` trials bundled and uploaded. Relative paths count from the file naming them.
import { dirname, resolve } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { isRecord } from '@kiln/protocol'

/** A pipeline file ready to send. */
export interface PipelineSubmission {
  document: Record<string, unknown>
  /** What was uploaded on the way (for the user). */
  notes: string[]
}

const REF = /\$\{[^{}]*\}/

interface Located {
  step: Record<string, unknown>
  /** Where the paths of the step's spec count from. */
  specDir: string
}

// Reads the files a pipeline names into it; returns each step with its spec's folder.
async function readNamedFiles(document: Record<string, unknown>, baseDir: string): Promise<Located[]> {
  const { documentValue, readDocumentText } = await import('@kiln/train')
  const read = async (file: string, what: string) =>
    documentValue(await readDocumentText(resolve(baseDir, file), what), resolve(baseDir, file), what)
  const out: Located[] = []
  for (const step of Object.values(isRecord(document.steps) ? document.steps : {})) {
    if (!isRecord(step)) continue
    let specDir = baseDir
    if ((step.kind === 'train' || step.kind === 'sweep') && typeof step.spec === 'string') {
      specDir = dirname(resolve(baseDir, step.spec))
      step.spec = await read(step.spec, 'job spec')
    }
    if (step.kind === 'transform' && typeof step.steps === 'string') step.steps = await read(step.steps, 'steps file')
    if (step.kind === 'validate' && typeof step.schema === 'string')
      step.schema = await read(step.schema, 'data schema')
    out.push({ step, specDir })
  }
  return out
}

/**
 * Reads FILE and the files it names, plans it with `params` (a SpecError listing every
 * problem), then imports its local datasets and uploads its trial scripts.
 */
export async function preparePipeline(
  nc: NatsConnection,
  path: string,
  params: Record<string, unknown>,
  source = path,
): Promise<PipelineSubmission> {
  const { documentValue, readDocumentText } = await import('@kiln/train')
  const { planPipeline } = await import('@kiln/pipeline')
  const value = documentValue(await readDocumentText(path, 'pipeline'), source, 'pipeline')
  const document = isRecord(value) ? value : { value }
  const located = await readNamedFiles(document, dirname(resolve(path)))
  planPipeline(document, { source, params })

  const { bindLayout } = await import('@kiln/cluster-state')
  const { findDataset, importDataset, importSource, resolveDataset } = await import('@kiln/data')
  const layout = await bindLayout(nc)
  const notes: string[] = []
  const imported = new Map<string, { id: string; name: string }>()
  // A dataset the store has is named as it is; anything else is loaded here and imported
  // (once per file, however many steps name it).
  const stored = async (ref: string, baseDir: string, name?: string): Promise<string> => {
    const found = await findDataset(layout.objects.datasets, ref).catch(() => undefined)
    if (found && !name) return found.name
    const from = importSource(ref, baseDir)
    const key = `${from.location}\n${name ?? from.defaultName}`
    let record = imported.get(key)
    if (!record) {
      record = await importDataset(layout.objects.datasets, await resolveDataset(from.location), {
        name: name ?? from.defaultName,
        source: ref,
      })
      imported.set(key, record)
      notes.push(`imported dataset ${record.name} (${record.id.slice(0, 12)})`)
    }
    return name ? record.id : record.name
  }
  const literal = (v: unknown): v is string => typeof v === 'string' && !REF.test(v)
  for (const { step, specDir } of located) {
    if (step.kind === 'import' && literal(step.source))
      step.source = await stored(
        step.source,
        dirname(resolve(path)),
        typeof step.name === 'string' ? step.name : undefined,
      )
    if (['transform', 'validate', 'split'].includes(String(step.kind)) && literal(step.dataset))
      step.dataset = await stored(step.dataset, dirname(resolve(path)))
    if ((step.kind === 'train' || step.kind === 'sweep') && isRecord(step.spec)) {
      const spec = step.spec
      const set = isRecord(step.set) ? step.set : {}
      if (!('dataset' in set) && literal(spec.dataset)) spec.dataset = await stored(spec.dataset, specDir)
      const model = spec.model
      if (isRecord(model) && typeof model.script === 'string') {
        const { bundleTrialScript, uploadBundle } = await import('@kiln/bundle')
        const bundle = await bundleTrialScript(resolve(specDir, model.script))
        step.bundle = await uploadBundle(layout.objects.bundles, bundle)
        notes.push(`uploaded trial bundle ${String(step.bundle).slice(0, 12)} (${bundle.bytes.byteLength} bytes)`)
        spec.model = { ...model, script: bundle.entry }
      }
    }
  }
  return { document, notes }
}
