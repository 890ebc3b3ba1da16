// The model registry: versions of named models, as workers publish them and gateways serve
// them. Files go to the kiln_models object store (one object per version, written first);
// the version record in kiln_model_versions (`<model>.<version>`) is written last, with
// create-only semantics, so a version number is taken once and a visible record always has
// its files.
import { randomUUID } from 'node:crypto'
import type { KvEntry } from '@nats-io/kv'
import {
  EvaluationSchema,
  ModelVersionRecordSchema,
  NotFoundError,
  ValidationError,
  decode,
  encode,
  subjectToken,
  type Evaluation,
  type ModelLineage,
  type ModelVersionRecord,
} from '@kiln/protocol'
import type { Layout } from './ensure-layout.js'
import { KvBucket } from './layout-spec.js'
import { readRegistryRecord } from './registry-records.js'

/** What a publisher hands over: the files of one model (TF.js format + kiln-model.json). */
export interface PublishModelInput {
  model: string
  files: ReadonlyMap<string, Uint8Array>
  metrics?: Record<string, number>
  lineage?: ModelLineage
}

type RegistryLayout = Pick<Layout, 'kv' | 'objects'>
/** Publishing also lists the taken version numbers (stream info). */
type PublishLayout = RegistryLayout & Pick<Layout, 'jsm'>

const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/

function key(model: string, version: number): string {
  return `${model}.${version}`
}

function packFiles(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const out: Record<string, Uint8Array> = {}
  for (const [name, bytes] of files) {
    if (!FILE_NAME.test(name))
      throw new ValidationError(`files.${name}`, 'a plain file name (A-Z a-z 0-9 . _ -, not starting with .)')
    out[name] = bytes
  }
  return encode(out)
}

/** Model files stored in kiln_models but not (yet) registered as a version. */
export interface StoredModel {
  object: string
  bytes: number
  files: string[]
  /** The test evaluation kiln-model.json carries, when it carries a readable one. */
  evaluation?: Evaluation
}

// kiln-model.json is @kiln/train's format; only its evaluation is read here, and a file
// without a readable one (an older Kiln, a plain TF.js model) simply has none.
function evaluationOf(files: ReadonlyMap<string, Uint8Array>): Evaluation | undefined {
  const bytes = files.get('kiln-model.json')
  if (!bytes) return undefined
  try {
    const meta = JSON.parse(new TextDecoder().decode(bytes)) as { metrics?: { test?: { evaluation?: unknown } } }
    const parsed = EvaluationSchema.safeParse(meta.metrics?.test?.evaluation)
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

function describe(object: string, files: ReadonlyMap<string, Uint8Array>): StoredModel {
  const evaluation = evaluationOf(files)
  return {
    object,
    bytes: [...files.values()].reduce((n, b) => n + b.byteLength, 0),
    files: [...files.keys()],
    ...(evaluation ? { evaluation } : {}),
  }
}

/** Stores a model's files as one object (no version yet: see registerModelVersion). */
export async function storeModelFiles(
  layout: RegistryLayout,
  model: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<StoredModel> {
  subjectToken(model, 'model')
  if (files.size === 0) throw new ValidationError('files', 'at least one file')
  const object = `${model}/${randomUUID()}`
  await layout.objects.models.putBlob({ name: object }, packFiles(files))
  return describe(object, files)
}

/** Reads the file names and size of a stored model object. */
export async function describeStoredModel(layout: RegistryLayout, object: string): Promise<StoredModel> {
  return describe(object, await readModelFiles(layout, { object } as ModelVersionRecord))
}

/** Publishes the files as the next version of `model`; returns its record. */
export async function publishModelVersion(
  layout: PublishLayout,
  input: PublishModelInput,
): Promise<ModelVersionRecord> {
  const stored = await storeModelFiles(layout, input.model, input.files)
  return registerModelVersion(layout, { ...input, ...stored })
}

/** Registers stored model files as the next version of `model`; returns its record. */
export async function registerModelVersion(
  layout: PublishLayout,
  input: Omit<PublishModelInput, 'files'> & StoredModel,
): Promise<ModelVersionRecord> {
  const model = subjectToken(input.model, 'model')
  const { object, bytes } = input
  // Version numbers are claimed with create(): two publishers racing for the same number
  // get one each, the loser retrying with the next.
  let version = (await latestVersion(layout, model)) + 1
  for (let attempt = 0; attempt < 100; attempt++, version++) {
    const record: ModelVersionRecord = {
      v: 1,
      model,
      version,
      object,
      bytes,
      files: input.files,
      ...(input.metrics ? { metrics: input.metrics } : {}),
      ...(input.lineage ? { lineage: input.lineage } : {}),
      ...(input.evaluation ? { evaluation: input.evaluation } : {}),
      createdAt: Date.now(),
    }
    try {
      await layout.kv.modelVersions.create(key(model, version), encode(ModelVersionRecordSchema, record))
      return record
    } catch (err) {
      if (!/wrong last sequence|exists/i.test((err as Error).message)) throw err
    }
  }
  throw new ValidationError('model', `a model whose version numbers are not all taken (${model})`)
}

function recordOf(entry: KvEntry): ModelVersionRecord | undefined {
  if (entry.operation !== 'PUT' || entry.value.length === 0) return undefined
  return decode(ModelVersionRecordSchema, entry.value)
}

/** Every version record of `model` (or of all models), oldest version first. */
export async function listModelVersions(layout: RegistryLayout, model?: string): Promise<ModelVersionRecord[]> {
  const filter = model === undefined ? '>' : `${subjectToken(model, 'model')}.*`
  const keys: string[] = []
  for await (const k of await layout.kv.modelVersions.keys(filter)) keys.push(k)
  const records: ModelVersionRecord[] = []
  for (const k of keys) {
    const entry = await layout.kv.modelVersions.get(k)
    const record = entry ? recordOf(entry) : undefined
    if (record) records.push(record)
  }
  return records.sort((a, b) => a.model.localeCompare(b.model) || a.version - b.version)
}

// The version is in the key (`<model>.<version>`): no record needs reading. A deleted
// version's number stays taken (the registry record remembers it, and its key keeps a
// delete marker), so lineage never points at two different models under one number.
// The keys come from one stream-info request that lists the subjects: every trial that
// publishes a model asks this, and kv.keys() would create, query and remove a consumer.
async function latestVersion(layout: PublishLayout, model: string): Promise<number> {
  let latest = 0
  const info = await layout.jsm.streams.info(`KV_${KvBucket.modelVersions}`, {
    subjects_filter: `$KV.${KvBucket.modelVersions}.${model}.*`,
  })
  for (const subject of Object.keys(info.state.subjects ?? {}))
    latest = Math.max(latest, Number(subject.slice(subject.lastIndexOf('.') + 1)) || 0)
  for (const v of Object.keys((await readRegistryRecord(layout, model)).versions)) latest = Math.max(latest, Number(v))
  return latest
}

/** One version's record (`latest` or omitted: the highest version). NotFoundError if absent. */
export async function getModelVersion(
  layout: RegistryLayout,
  model: string,
  version?: number | 'latest',
): Promise<ModelVersionRecord> {
  subjectToken(model, 'model')
  if (version === undefined || version === 'latest') {
    const all = await listModelVersions(layout, model)
    if (all.length === 0) throw new NotFoundError('model', model)
    return all[all.length - 1]!
  }
  const entry = await layout.kv.modelVersions.get(key(model, version))
  const record = entry ? recordOf(entry) : undefined
  if (!record) throw new NotFoundError('model version', `${model}@${version}`)
  return record
}

/** The files of a published version. */
export async function readModelFiles(
  layout: RegistryLayout,
  record: ModelVersionRecord,
): Promise<Map<string, Uint8Array>> {
  const blob = await layout.objects.models.getBlob(record.object)
  if (blob === null) throw new NotFoundError('model object', record.object)
  const files = decode<Record<string, Uint8Array>>(blob)
  return new Map(Object.entries(files))
}

/**
 * The class names a classifier version's output carries in its kiln-model.json (its
 * signature's, else its training data's); undefined for a model without named classes.
 */
export async function modelClassNames(
  layout: RegistryLayout,
  record: ModelVersionRecord,
): Promise<string[] | undefined> {
  const bytes = (await readModelFiles(layout, record)).get('kiln-model.json')
  if (!bytes) return undefined
  const meta = JSON.parse(new TextDecoder().decode(bytes)) as {
    signature?: { outputs?: { classNames?: string[] }[] }
    dataset?: { classNames?: string[] }
  }
  return meta.signature?.outputs?.[0]?.classNames ?? meta.dataset?.classNames
}

/**
 * Calls `onVersion` for every existing version and then for each newly published one,
 * until the returned stop() is called. Gateways use it to serve new versions hot.
 */
export async function watchModelVersions(
  layout: RegistryLayout,
  onVersion: (record: ModelVersionRecord) => void,
): Promise<{ stop: () => void; done: Promise<void> }> {
  const iter = await layout.kv.modelVersions.watch({ key: '>' })
  const done = (async () => {
    for await (const entry of iter) {
      let record: ModelVersionRecord | undefined
      try {
        record = recordOf(entry)
      } catch {
        continue
      } // a malformed record is skipped, not fatal
      if (record) onVersion(record)
    }
  })()
  return { stop: () => iter.stop(), done }
}
