// Datasets on a node: `<cacheDir>/datasets/<id>.kds`, the encoded dataset exactly as stored,
// so its file name is its hash. The agent fetches the file (fetchDatasetFile) and a trial
// thread loads it (loadDatasetFile), so decoding never runs on the agent's event loop;
// fetchDataset does both in one call.
import { readFile, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { ObjectStore } from '@nats-io/obj'
import { ValidationError } from '@kiln/protocol'
import type { ResolvedDataset } from '../registry.js'
import { fetchContent, readVerified, sha256Hex } from './content-object.js'
import { decodeDataset } from './dataset-codec.js'
import type { DatasetRecord } from './dataset-record.js'
import { dataObject, findDataset } from './dataset-store.js'
import { IntegrityError } from './integrity-error.js'

export interface FetchDatasetOptions {
  /** The node's cache folder: datasets are kept as `<cacheDir>/datasets/<id>.kds`. */
  cacheDir: string
}

/** A fetched dataset together with the record it was found by. */
export interface FetchedDataset extends ResolvedDataset {
  record: DatasetRecord
}

const FILE = /^([0-9a-f]{64})\.kds$/
const WHOLE_ID = /^[0-9a-f]{64}$/

/** The cache file of dataset `id`. */
export function datasetCachePath(cacheDir: string, id: string): string {
  return resolve(cacheDir, 'datasets', `${id}.kds`)
}

async function fetchBytes(store: ObjectStore, ref: string, cacheDir: string) {
  const record = await findDataset(store, ref)
  const path = datasetCachePath(cacheDir, record.id)
  return { record, path, bytes: await fetchContent(store, dataObject(record.id), record.id, path) }
}

const decodeFor = (bytes: Uint8Array, record: Pick<DatasetRecord, 'id' | 'name'>) =>
  decodeDataset(bytes, { name: record.name, source: `dataset ${record.name} (${record.id.slice(0, 12)})` })

/**
 * Makes sure the node's cache holds dataset `ref` (a name or id), verified by hash on
 * download and when already cached (a corrupt file is fetched again); returns its path.
 */
export async function fetchDatasetFile(
  store: ObjectStore,
  ref: string,
  options: FetchDatasetOptions,
): Promise<{ path: string }> {
  // A whole id is the content's hash: a cached file that hashes to it is that dataset, with
  // no lookup in the store (two or three round trips, for every trial of a sweep).
  if (WHOLE_ID.test(ref)) {
    const path = datasetCachePath(options.cacheDir, ref)
    if (await cachedAndVerified(path, ref)) return { path }
  }
  return { path: (await fetchBytes(store, ref, options.cacheDir)).path }
}

// Cache files this process has hashed, by the identity of what it hashed: every trial of a
// sweep asks for the same dataset, and hashing it each time costs its size in reads (the
// trial's thread verifies the bytes it loads in any case). Replacing the file (a fresh
// download renames a new one in) or writing to it changes its inode, size, mtime or ctime.
const verified = new Map<string, string>()
const identity = async (path: string) => {
  const s = await stat(path, { bigint: true }).catch(() => undefined)
  return s && `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
}
async function cachedAndVerified(path: string, sha: string): Promise<boolean> {
  const before = await identity(path)
  if (before === undefined) return false
  if (verified.get(path) === before) return true
  if (!(await readVerified(path, sha))) return false
  // Remembered only if nothing replaced the file while it was read.
  if ((await identity(path)) === before) verified.set(path, before)
  return true
}

/**
 * Reads a cached dataset file, checks that it hashes to the id in its name (IntegrityError
 * otherwise: fetch it again) and decodes it. `name` names the splits (`<name>/train`).
 */
export async function loadDatasetFile(path: string, options: { name?: string } = {}): Promise<ResolvedDataset> {
  const id = FILE.exec(basename(path))?.[1]
  if (id === undefined)
    throw new ValidationError('path', 'a dataset cache file named <sha256>.kds', {
      got: JSON.stringify(basename(path)),
    })
  const bytes = await readFile(path)
  const actual = sha256Hex(bytes)
  if (actual !== id) throw new IntegrityError(path, id, actual)
  return decodeFor(bytes, { id, name: options.name ?? id.slice(0, 12) })
}

/** Loads dataset `ref` (a name or id) for training, through the node's verified cache. */
export async function fetchDataset(
  store: ObjectStore,
  ref: string,
  options: FetchDatasetOptions,
): Promise<FetchedDataset> {
  const { record, bytes } = await fetchBytes(store, ref, options.cacheDir)
  return { ...decodeFor(bytes, record), record }
}
