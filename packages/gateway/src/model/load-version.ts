// One model load: read the version's files, make room in the memory budget, load the model
// in an inference thread and work out the signature it serves. The repository decides what
// the outcome means for the version's state.
import type { KilnModelMetadata } from '@kiln/train'
import { MODEL_FORMAT, type ModelSignature } from '@kiln/train/model-format'
import { ModelLoadError } from '../errors.js'
import type { InferencePool } from '../worker/inference-pool.js'
import { packFiles, type PackedFiles } from '../worker/packed-files.js'
import { rawInputSignature } from './raw-input.js'
import type { ServedVersion } from './served-version.js'
import { servedSignature } from './signature.js'

/** What a successful load gives the version. */
export interface LoadedVersion {
  key: string
  files: PackedFiles
  signature: ModelSignature
  metadata?: KilnModelMetadata
  /** Takes NaN inputs as missing values (gbdt). */
  acceptsMissing?: boolean
  /** Estimated memory: the shared files plus a copy of the weights per thread. */
  memoryBytes: number
}

export interface LoadContext {
  pool: InferencePool
  /** This load's key in the inference threads (unique per load). */
  key: string
  /** Keys of the other loads the threads must keep. */
  liveKeys(): string[]
  /** Evicts others until `bytes` more fit; throws when they cannot. */
  makeRoom(bytes: number): void
}

/** kiln-model.json's content (undefined without one); throws on another format. */
export function parseMetadata(bytes: Uint8Array | undefined): KilnModelMetadata | undefined {
  if (bytes === undefined) return undefined
  const value = JSON.parse(new TextDecoder().decode(bytes)) as { format?: unknown }
  if (value === null || typeof value !== 'object' || value.format !== MODEL_FORMAT) {
    throw new Error(`kiln-model.json: expected format "${MODEL_FORMAT}", got ${JSON.stringify(value?.format)}`)
  }
  return value as KilnModelMetadata
}

/** Loads one version; every failure is a ModelLoadError (or the makeRoom error) naming why. */
export async function loadVersion(entry: ServedVersion, c: LoadContext): Promise<LoadedVersion> {
  const failed = (err: unknown) =>
    new ModelLoadError(entry.model, entry.version, (err as Error)?.message ?? String(err), { cause: err })
  let files: Map<string, Uint8Array>
  let metadata: KilnModelMetadata | undefined
  try {
    files = await entry.source.read()
    metadata = parseMetadata(files.get('kiln-model.json'))
  } catch (err) {
    throw failed(err)
  }
  const bytesOf = (names: string[]) => names.reduce((n, f) => n + files.get(f)!.byteLength, 0)
  const shardBytes = bytesOf([...files.keys()].filter((f) => f.endsWith('.bin')))
  // Weights are the shard bytes; each thread holds one copy besides the shared files.
  c.makeRoom(bytesOf([...files.keys()]) + shardBytes * c.pool.threads)
  const packed = packFiles(files)
  let loaded: Awaited<ReturnType<typeof c.pool.load>>
  let signature: ModelSignature
  try {
    loaded = await c.pool.load(c.key, packed, [...c.liveKeys(), c.key])
    signature = rawInputSignature(servedSignature(loaded, metadata), metadata)
  } catch (err) {
    throw failed(err)
  }
  if (signature.inputs.some((s) => s.shape[0] !== -1))
    throw new ModelLoadError(entry.model, entry.version, 'expected every input to have a dynamic batch dimension')
  return {
    key: c.key,
    files: packed,
    signature,
    ...(metadata ? { metadata } : {}),
    memoryBytes: packed.buffer.byteLength + loaded.weightBytes * c.pool.threads,
    ...(loaded.acceptsMissing ? { acceptsMissing: true } : {}),
  }
}
