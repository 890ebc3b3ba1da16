// The model repository: every version the gateway knows (from a folder or the NATS model
// registry) and its serving state. Loads go through one queue of bounded concurrency, never
// refused for its length; a failed load is retried with backoff (load-retry.ts) and reports
// why and how often it failed. A version that fails never becomes `latest`, so the previous
// one keeps serving. Loaded versions stay within a memory budget (LRU eviction).
import { ErrorCode, KilnError, NotFoundError } from '@kiln/protocol'
import { Batcher, type BatchObserver } from '../batch/batcher.js'
import type { BatchConfig } from '../batch/batch-config.js'
import { ModelLoadError, OverloadedError } from '../errors.js'
import type { InferencePool } from '../worker/inference-pool.js'
import { LoadQueue } from './load-queue.js'
import { DEFAULT_LOAD_RETRY, retryDelayMs, type LoadRetryPolicy } from './load-retry.js'
import { loadVersion } from './load-version.js'
import { pickEvictions } from './lru.js'
import { VersionState, emptyStats, type ServedVersion, type VersionSource } from './served-version.js'

export interface RepositoryOptions {
  pool: InferencePool
  batch: BatchConfig
  /** Bytes all loaded versions may take together (estimate: files + a weight copy per thread). */
  memoryBudgetBytes: number
  /** Loads at once (default: the inference threads). */
  loadConcurrency?: number
  loadRetry?: Partial<LoadRetryPolicy>
  observer?: (model: ServedVersion) => BatchObserver
  onLoaded?: (model: ServedVersion) => void
  onUnloaded?: (model: ServedVersion) => void
  /** After every state change (metrics). */
  onState?: (model: ServedVersion) => void
  log?: (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) => void
}

const SERVABLE = new Set<VersionState>([VersionState.available, VersionState.loading, VersionState.ready])

/** All known model versions and their serving state. */
export class Repository {
  private readonly models = new Map<string, Map<number, ServedVersion>>()
  private readonly retries = new Map<ServedVersion, NodeJS.Timeout>()
  private readonly retry: LoadRetryPolicy
  readonly loads: LoadQueue
  private seq = 0

  constructor(private readonly options: RepositoryOptions) {
    this.retry = { ...DEFAULT_LOAD_RETRY, ...options.loadRetry }
    this.loads = new LoadQueue(options.loadConcurrency ?? options.pool.threads)
  }

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
        attempts: 0,
        stats: emptyStats(),
        lastUsed: 0,
        memoryBytes: 0,
      }
      versions.set(source.version, entry)
      this.options.onState?.(entry)
    }
    if (load) this.preload(entry)
    return entry
  }

  /** Starts loading a known version in the background (an endpoint serves it); failures retry. */
  preload(entry: ServedVersion): void {
    if (entry.state === VersionState.available) this.ensureLoaded(entry).catch(() => {}) // recorded on the entry
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
      if (latest) return latest
      const all = [...versions.values()]
      if (all.some((v) => v.state === VersionState.unloaded)) {
        throw new KilnError(
          ErrorCode.notFound,
          `model ${model} is unloaded (POST /v2/repository/models/${model}/load to serve it)`,
        )
      }
      // Every version failed: the one retried soonest says when to come back.
      const next = all.filter((v) => v.retryAt !== undefined).sort((a, b) => a.retryAt! - b.retryAt!)[0]
      const why = all.map((v) => `${v.version}: ${v.reason ?? v.state}`).join('; ')
      if (next) throw new OverloadedError(`model ${model}: no version could be loaded yet (${why})`, retryAfterS(next))
      throw new KilnError(ErrorCode.unavailable, `model ${model}: no version could be loaded (${why})`)
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
    if (entry.state === VersionState.failed) throw failedError(entry)
    entry.lastUsed = performance.now()
    return entry.state === VersionState.ready ? entry : this.ensureLoaded(entry)
  }

  /** Loads a version now (the latest known without `version`) for the repository API: a fresh set of tries. */
  async load(model: string, version?: number): Promise<ServedVersion> {
    const versions = this.models.get(model)
    if (!versions) throw new NotFoundError('model', model)
    const entry =
      version === undefined
        ? [...versions.values()].sort((a, b) => b.version - a.version)[0]!
        : this.find(model, version)
    if (entry.state === VersionState.unloaded || entry.state === VersionState.failed) {
      this.cancelRetry(entry)
      entry.attempts = 0
      this.setState(entry, VersionState.available)
    }
    entry.lastUsed = performance.now()
    return this.ensureLoaded(entry)
  }

  /** Takes versions out of service until loaded again (all versions without `version`). */
  unload(model: string, version?: number): ServedVersion[] {
    const versions = this.models.get(model)
    if (!versions) throw new NotFoundError('model', model)
    const targets = version === undefined ? [...versions.values()] : [this.find(model, version)]
    for (const entry of targets) {
      this.cancelRetry(entry)
      this.release(entry)
      this.setState(entry, VersionState.unloaded)
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

  /** Stops every batcher and planned retry. */
  close(): void {
    for (const entry of [...this.retries.keys()]) this.cancelRetry(entry)
    for (const v of this.list()) v.batcher?.close()
  }

  private setState(entry: ServedVersion, state: VersionState): void {
    if (entry.state === state) return
    entry.state = state
    this.options.onState?.(entry)
  }

  private release(entry: ServedVersion): void {
    const wasLoaded = entry.key !== undefined
    entry.batcher?.close()
    delete entry.batcher
    delete entry.files
    delete entry.key
    entry.memoryBytes = 0
    if (entry.state === VersionState.ready) this.setState(entry, VersionState.available)
    if (wasLoaded) this.options.onUnloaded?.(entry)
  }

  private cancelRetry(entry: ServedVersion): void {
    clearTimeout(this.retries.get(entry))
    this.retries.delete(entry)
    delete entry.retryAt
  }

  private ensureLoaded(entry: ServedVersion): Promise<ServedVersion> {
    if (entry.state === VersionState.ready) return Promise.resolve(entry)
    // Loading from the moment it is asked for (its turn in the queue may take a while).
    if (entry.state === VersionState.available) this.setState(entry, VersionState.loading)
    entry.loading ??= this.loads
      .run(() => this.doLoad(entry))
      .finally(() => {
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
    if (entry.state === VersionState.ready) return entry
    if (entry.state === VersionState.unloaded)
      throw new KilnError(ErrorCode.notFound, `model ${entry.model} version ${entry.version} was unloaded`)
    this.cancelRetry(entry)
    this.setState(entry, VersionState.loading)
    try {
      const key = `${entry.model}@${entry.version}#${++this.seq}`
      const loaded = await loadVersion(entry, {
        pool: this.options.pool,
        key,
        liveKeys: () => this.liveKeys(),
        makeRoom: (bytes) => this.makeRoom(entry, bytes),
      })
      // Unloaded through the repository API while it loaded: it stays unloaded.
      if (entry.state !== VersionState.loading)
        throw new KilnError(ErrorCode.notFound, `model ${entry.model} version ${entry.version} was unloaded`)
      Object.assign(entry, loaded, { attempts: 0 })
      delete entry.reason
      const { pool } = this.options
      entry.batcher = new Batcher(
        this.options.batch,
        (inputs) => pool.infer(loaded.key, loaded.files, this.liveKeys(), inputs),
        this.options.observer?.(entry),
      )
      this.setState(entry, VersionState.ready)
      this.options.log?.('info', 'model loaded', {
        model: entry.model,
        version: entry.version,
        bytes: entry.memoryBytes,
      })
      this.options.onLoaded?.(entry)
      return entry
    } catch (err) {
      if (entry.state !== VersionState.loading) throw err
      this.failed(entry, err)
      throw err instanceof KilnError
        ? err
        : new ModelLoadError(entry.model, entry.version, entry.reason!, { cause: err })
    }
  }

  /** Records a failed load and plans the next try. */
  private failed(entry: ServedVersion, err: unknown): void {
    entry.attempts++
    entry.reason =
      err instanceof ModelLoadError
        ? err.message.replace(/^model \S+ version \d+ failed to load: /, '')
        : ((err as Error)?.message ?? String(err))
    const delay = retryDelayMs(this.retry, entry.attempts)
    if (delay !== undefined) {
      entry.retryAt = Date.now() + delay
      const timer = setTimeout(() => {
        this.retries.delete(entry)
        if (entry.state !== VersionState.failed) return
        this.setState(entry, VersionState.available)
        this.ensureLoaded(entry).catch(() => {}) // recorded on the entry
      }, delay)
      timer.unref()
      this.retries.set(entry, timer)
    }
    this.setState(entry, VersionState.failed)
    this.options.log?.('warn', 'model failed to load', {
      model: entry.model,
      version: entry.version,
      reason: entry.reason,
      attempts: entry.attempts,
      ...(delay !== undefined ? { retryInMs: delay } : { retries: 'none left' }),
    })
  }
}

/** Whole seconds until a version's next try (at least 1). */
export function retryAfterS(entry: ServedVersion): number {
  return Math.max(1, Math.ceil(((entry.retryAt ?? Date.now()) - Date.now()) / 1000))
}

function failedError(entry: ServedVersion): KilnError {
  const what = `model ${entry.model} version ${entry.version} failed to load (${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}): ${entry.reason ?? 'unknown reason'}`
  if (entry.retryAt !== undefined)
    return new OverloadedError(`${what}; trying again in ${retryAfterS(entry)} s`, retryAfterS(entry))
  return new KilnError(
    ErrorCode.unavailable,
    `${what}; no tries left (POST /v2/repository/models/${entry.model}/load to try again)`,
  )
}
