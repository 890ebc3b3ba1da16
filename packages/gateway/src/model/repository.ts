// The model repository: every version the gateway knows (from a folder or the NATS model
// registry), loading on demand or when told, within a memory budget (LRU eviction). A
// version that fails to load is marked failed and never becomes `latest`, so the previous
// one keeps serving.
import { ErrorCode, KilnError, NotFoundError, ValidationError } from '@kiln/protocol'
import { MODEL_FORMAT, type KilnModelMetadata } from '@kiln/train'
import { Batcher, type BatchObserver } from '../batch/batcher.js'
import type { BatchConfig } from '../batch/batch-config.js'
import { ModelLoadError, OverloadedError } from '../errors.js'
import type { InferencePool } from '../worker/inference-pool.js'
import { packFiles } from '../worker/packed-files.js'
import { pickEvictions } from './lru.js'
import { rawInputSignature } from './raw-input.js'
import { tensorNames } from './tensor-names.js'
import { VersionState, type ServedVersion, type VersionSource } from './served-version.js'

export interface RepositoryOptions {
  pool: InferencePool
  batch: BatchConfig
  /** Bytes all loaded versions may take together (estimate: files + a weight copy per thread). */
  memoryBudgetBytes: number
  observer?: (model: ServedVersion) => BatchObserver
  onLoaded?: (model: ServedVersion) => void
  onUnloaded?: (model: ServedVersion) => void
  log?: (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) => void
}

const SERVABLE = new Set<VersionState>([VersionState.available, VersionState.loading, VersionState.ready])

function parseMetadata(bytes: Uint8Array | undefined): KilnModelMetadata | undefined {
  if (bytes === undefined) return undefined
  const value = JSON.parse(new TextDecoder().decode(bytes)) as { format?: unknown }
  if (value === null || typeof value !== 'object' || value.format !== MODEL_FORMAT) {
    throw new Error(`kiln-model.json: expected format "${MODEL_FORMAT}", got ${JSON.stringify(value?.format)}`)
  }
  return value as KilnModelMetadata
}

/** All known model versions and their serving state. */
export class Repository {
  private readonly models = new Map<string, Map<number, ServedVersion>>()
  private seq = 0

  constructor(private readonly options: RepositoryOptions) {}

  /** Registers a version; `load` loads it now (hot serving of a newly published version). */
  add(source: VersionSource, load = false): ServedVersion {
    let versions = this.models.get(source.model)
    if (!versions) this.models.set(source.model, (versions = new Map()))
    let entry = versions.get(source.version)
    if (!entry) {
      entry = {
        model: source.model,
        version: source.version,
        source,
        state: VersionState.available,
        lastUsed: 0,
        memoryBytes: 0,
      }
      versions.set(source.version, entry)
    }
    if (load) this.ensureLoaded(entry).catch(() => {}) // failure is recorded on the entry
    return entry
  }

  /** Whether this version is known. */
  has(model: string, version: number): boolean {
    return this.models.get(model)?.has(version) ?? false
  }

  /** Every version, by model then version. */
  list(): ServedVersion[] {
    return [...this.models.keys()]
      .sort()
      .flatMap((m) => [...this.models.get(m)!.values()].sort((a, b) => a.version - b.version))
  }

  /** Names of the known models. */
  modelNames(): string[] {
    return [...this.models.keys()].sort()
  }

  /** Whether a model of this name is known (any version). */
  hasModel(model: string): boolean {
    return this.models.has(model)
  }

  /** The highest version that can serve (not failed, not unloaded). */
  latest(model: string): ServedVersion | undefined {
    const versions = this.models.get(model)
    if (!versions) return undefined
    // A loop, not filter + sort: this runs on every request that names no version.
    let best: ServedVersion | undefined
    for (const v of versions.values())
      if (SERVABLE.has(v.state) && (best === undefined || v.version > best.version)) best = v
    return best
  }

  /** A version's entry (the latest servable one without `version`); NotFoundError otherwise. */
  find(model: string, version?: number): ServedVersion {
    const versions = this.models.get(model)
    if (!versions) throw new NotFoundError('model', model)
    if (version === undefined) {
      const latest = this.latest(model)
      if (!latest) {
        const all = [...versions.values()]
        if (all.some((v) => v.state === VersionState.unloaded)) {
          throw new KilnError(
            ErrorCode.notFound,
            `model ${model} is unloaded (POST /v2/repository/models/${model}/load to serve it)`,
          )
        }
        throw new KilnError(
          ErrorCode.unavailable,
          `model ${model}: no version could be loaded (${all.map((v) => `${v.version}: ${v.reason ?? v.state}`).join('; ')})`,
        )
      }
      return latest
    }
    const entry = versions.get(version)
    if (!entry) throw new NotFoundError('model version', `${model}@${version}`)
    return entry
  }

  /** The version ready to serve, loading it first when needed. */
  async acquire(model: string, version?: number): Promise<ServedVersion> {
    const entry = this.find(model, version)
    if (entry.state === VersionState.unloaded) {
      throw new KilnError(
        ErrorCode.notFound,
        `model ${model} version ${entry.version} is unloaded (POST /v2/repository/models/${model}/load to serve it)`,
      )
    }
    if (entry.state === VersionState.failed)
      throw new KilnError(
        ErrorCode.unavailable,
        `model ${model} version ${entry.version} failed to load: ${entry.reason ?? 'unknown reason'}`,
      )
    entry.lastUsed = performance.now()
    return entry.state === VersionState.ready ? entry : this.ensureLoaded(entry)
  }

  /** Loads a version (the latest known without `version`) for the repository API. */
  async load(model: string, version?: number): Promise<ServedVersion> {
    const versions = this.models.get(model)
    if (!versions) throw new NotFoundError('model', model)
    const entry =
      version === undefined
        ? [...versions.values()].sort((a, b) => b.version - a.version)[0]!
        : this.find(model, version)
    if (entry.state === VersionState.unloaded || entry.state === VersionState.failed)
      entry.state = VersionState.available
    entry.lastUsed = performance.now()
    return this.ensureLoaded(entry)
  }

  /** Takes versions out of service until loaded again (all versions without `version`). */
  unload(model: string, version?: number): ServedVersion[] {
    const versions = this.models.get(model)
    if (!versions) throw new NotFoundError('model', model)
    const targets = version === undefined ? [...versions.values()] : [this.find(model, version)]
    for (const entry of targets) {
      this.release(entry)
      entry.state = VersionState.unloaded
    }
    return targets
  }

  /** Keys of the versions the inference threads should keep. */
  liveKeys(): string[] {
    return this.list()
      .filter((v) => v.key !== undefined)
      .map((v) => v.key!)
  }

  /** Bytes the loaded versions take (estimate). */
  memoryUsed(): number {
    return this.list().reduce((n, v) => n + (v.state === VersionState.ready ? v.memoryBytes : 0), 0)
  }

  /** Stops every batcher. */
  close(): void {
    for (const v of this.list()) v.batcher?.close()
  }

  private release(entry: ServedVersion): void {
    const wasLoaded = entry.key !== undefined
    entry.batcher?.close()
    delete entry.batcher
    delete entry.files
    delete entry.key
    entry.memoryBytes = 0
    if (entry.state === VersionState.ready) entry.state = VersionState.available
    if (wasLoaded) this.options.onUnloaded?.(entry)
  }

  private ensureLoaded(entry: ServedVersion): Promise<ServedVersion> {
    if (entry.state === VersionState.ready) return Promise.resolve(entry)
    entry.loading ??= this.doLoad(entry).finally(() => {
      delete entry.loading
    })
    return entry.loading
  }

  private makeRoom(entry: ServedVersion, need: number): void {
    const loaded = this.list().filter((v) => v.state === VersionState.ready && v !== entry)
    const evict = pickEvictions(loaded, need, this.options.memoryBudgetBytes, (v) => (v.batcher?.busy ?? 0) > 0)
    if (evict === undefined) {
      if (loaded.length === 0)
        throw new ModelLoadError(
          entry.model,
          entry.version,
          `needs about ${need} bytes, more than the memory budget of ${this.options.memoryBudgetBytes}`,
        )
      throw new OverloadedError(
        `no room in the memory budget for model ${entry.model} version ${entry.version} while other models are busy; retry`,
        1,
      )
    }
    for (const v of evict) {
      this.options.log?.('info', 'evicted to stay within the memory budget', { model: v.model, version: v.version })
      this.release(v)
    }
  }

  private async doLoad(entry: ServedVersion): Promise<ServedVersion> {
    const { pool } = this.options
    const previous = entry.state
    entry.state = VersionState.loading
    try {
      let files: Map<string, Uint8Array>
      try {
        files = await entry.source.read()
      } catch (err) {
        throw new ModelLoadError(entry.model, entry.version, (err as Error).message, { cause: err })
      }
      const bytesOf = (names: string[]) => names.reduce((n, f) => n + files.get(f)!.byteLength, 0)
      const shardBytes = bytesOf([...files.keys()].filter((f) => f.endsWith('.bin')))
      // Weights are the shard bytes; each thread holds one copy besides the shared files.
      this.makeRoom(entry, bytesOf([...files.keys()]) + shardBytes * pool.threads)
      let metadata: KilnModelMetadata | undefined
      try {
        metadata = parseMetadata(files.get('kiln-model.json'))
      } catch (err) {
        throw new ModelLoadError(entry.model, entry.version, (err as Error).message, { cause: err })
      }
      const packed = packFiles(files)
      const key = `${entry.model}@${entry.version}#${++this.seq}`
      let signature
      try {
        ;({ signature } = await pool.load(key, packed, [...this.liveKeys(), key]))
      } catch (err) {
        throw new ModelLoadError(entry.model, entry.version, (err as Error).message, { cause: err })
      }
      if (entry.state !== VersionState.loading)
        throw new ModelLoadError(entry.model, entry.version, 'unloaded while loading')
      const names = tensorNames(files.get('model.json'))
      if (names.inputs?.length === signature.inputs.length)
        signature.inputs.forEach((t, i) => {
          t.name = names.inputs![i]!
        })
      if (names.outputs?.length === signature.outputs.length)
        signature.outputs.forEach((t, i) => {
          t.name = names.outputs![i]!
        })
      rawInputSignature(signature, metadata)
      if (signature.inputs.some((s) => s.shape[0] !== -1)) {
        throw new ModelLoadError(entry.model, entry.version, 'expected every input to have a dynamic batch dimension')
      }
      Object.assign(entry, {
        key,
        files: packed,
        signature,
        state: VersionState.ready,
        memoryBytes: packed.buffer.byteLength + signature.weightBytes * pool.threads,
      })
      if (metadata) entry.metadata = metadata
      delete entry.reason
      entry.batcher = new Batcher(
        this.options.batch,
        (inputs) => pool.infer(key, packed, this.liveKeys(), inputs),
        this.options.observer?.(entry),
      )
      this.options.log?.('info', 'model loaded', {
        model: entry.model,
        version: entry.version,
        bytes: entry.memoryBytes,
      })
      this.options.onLoaded?.(entry)
      return entry
    } catch (err) {
      if (err instanceof OverloadedError) {
        entry.state = previous === VersionState.loading ? VersionState.available : previous
        throw err
      }
      entry.state = VersionState.failed
      entry.reason =
        err instanceof KilnError && err instanceof ModelLoadError
          ? err.message.replace(/^model \S+ version \d+ failed to load: /, '')
          : (err as Error).message
      this.options.log?.('warn', 'model failed to load', {
        model: entry.model,
        version: entry.version,
        reason: entry.reason,
      })
      throw err instanceof ValidationError || err instanceof ModelLoadError
        ? err
        : new ModelLoadError(entry.model, entry.version, entry.reason, { cause: err })
    }
  }
}
