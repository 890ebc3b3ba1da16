// Datasets in the kiln_datasets object store. Three kinds of object:
//   data/<id>     the encoded dataset (dataset-codec.ts); id = sha256 of those bytes
//   ids/<id>      the record of the latest import of that content
//   names/<name>  the record of the latest import under that name
// Written in that order, so a record that can be seen always has its data. Importing the
// same data again (under any name) uploads nothing and only rewrites the small records.
import type { ObjectStore } from '@nats-io/obj'
import { NotFoundError, SUBJECT_TOKEN_PATTERN, ValidationError, decode, encode, subjectToken } from '@kiln/protocol'
import { featureStats } from '../feature-stats.js'
import { nonFiniteFeatures } from '../non-finite.js'
import type { ResolvedDataset } from '../registry.js'
import { putContent, sha256Hex } from './content-object.js'
import { encodeDataset } from './dataset-codec.js'
import { DatasetRecordSchema, type DatasetRecord } from './dataset-record.js'

/** Object name of the encoded dataset with this id. */
export const dataObject = (id: string) => `data/${id}`
const idObject = (id: string) => `ids/${id}`
const nameObject = (name: string) => `names/${name}`

/** Shortest id prefix a lookup accepts: shorter ones match too much to be a reference. */
export const MIN_ID_PREFIX = 8
const ID_PREFIX = /^[0-9a-f]{8,64}$/
// Enough features to see a dataset's range and spread; the full stats go with each model.
const RECORD_STATS = { maxFeatures: 16, bins: 10 } as const

export interface ImportDatasetOptions {
  /** What jobs call it: a NATS subject token (A-Z a-z 0-9 _ -). */
  name: string
  /** Where it came from, for people: the registered name or path it was loaded from. */
  source: string
  /** What it was made from, for a transformed dataset. */
  lineage?: DatasetRecord['lineage']
}

async function putRecord(store: ObjectStore, object: string, record: DatasetRecord): Promise<void> {
  await store.putBlob({ name: object }, encode(DatasetRecordSchema, record))
}

async function getRecord(store: ObjectStore, object: string): Promise<DatasetRecord | undefined> {
  const blob = await store.getBlob(object)
  return blob === null ? undefined : decode(DatasetRecordSchema, blob)
}

/** Stores a dataset under a name (content-addressed: the same data is stored once); returns its record. */
export async function importDataset(
  store: ObjectStore,
  resolved: ResolvedDataset,
  options: ImportDatasetOptions,
): Promise<DatasetRecord> {
  const name = subjectToken(options.name, 'name')
  if (typeof options.source !== 'string' || options.source === '')
    throw new ValidationError('source', 'a non-empty string')
  const { train, test } = resolved
  if (train.count < 1) throw new ValidationError('train.count', 'at least one sample', { got: String(train.count) })
  const nonFinite = nonFiniteFeatures(train).slice(0, 64)
  const bytes = encodeDataset(resolved)
  const id = sha256Hex(bytes)
  await putContent(store, dataObject(id), bytes, id, `kiln dataset ${name}`)
  const record: DatasetRecord = {
    v: 1,
    id,
    name,
    source: options.source,
    fingerprint: train.fingerprint,
    counts: { train: train.count, ...(test ? { test: test.count } : {}) },
    sampleShape: [...train.sampleShape],
    numClasses: train.numClasses,
    ...(train.classNames ? { classNames: [...train.classNames] } : {}),
    bytes: bytes.length,
    stats: featureStats(train, RECORD_STATS),
    ...(nonFinite.length > 0 ? { nonFinite } : {}),
    ...(train.featureNames ? { featureNames: [...train.featureNames] } : {}),
    ...(train.categories?.length
      ? { categories: train.categories.map((c) => ({ feature: c.feature, values: [...c.values] })) }
      : {}),
    ...(options.lineage ? { lineage: options.lineage } : {}),
    importedAt: Date.now(),
  }
  await putRecord(store, idObject(id), record)
  await putRecord(store, nameObject(name), record)
  return record
}

async function objectNames(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await store.list()).filter((o) => !o.deleted && o.name.startsWith(prefix)).map((o) => o.name)
}

/** Every named dataset (the latest import of each name), sorted by name. */
export async function listDatasets(store: ObjectStore): Promise<DatasetRecord[]> {
  const records = await Promise.all((await objectNames(store, nameObject(''))).map((o) => getRecord(store, o)))
  return records.filter((r): r is DatasetRecord => r !== undefined).sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * The record `ref` refers to: a name (its latest import), else a full id or a unique id
 * prefix of at least 8 hex digits. NotFoundError when nothing matches, ValidationError
 * when a prefix matches several.
 */
export async function findDataset(store: ObjectStore, ref: string): Promise<DatasetRecord> {
  if (typeof ref !== 'string' || ref === '') throw new ValidationError('dataset', 'a dataset name or id')
  const byName = SUBJECT_TOKEN_PATTERN.test(ref) ? await getRecord(store, nameObject(ref)) : undefined
  if (byName) return byName
  if (ID_PREFIX.test(ref)) {
    const matches = ref.length === 64 ? [idObject(ref)] : await objectNames(store, idObject(ref))
    if (matches.length > 1) {
      const ids = matches.map((m) => m.slice(idObject('').length, idObject('').length + 16))
      throw new ValidationError('dataset', 'an id prefix that matches one dataset', {
        got: `${ref}, which matches ${matches.length}: ${ids.join(', ')}`,
      })
    }
    const record = matches[0] && (await getRecord(store, matches[0]))
    if (record) return record
  }
  throw new NotFoundError('dataset', ref)
}
