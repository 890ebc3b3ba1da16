// Versions from the NATS model registry, hot: every version already published is known
// (the latest of each model loaded at once), and each newly published one is loaded as it
// appears, so it serves without a restart. A version archived or deleted in the registry
// (its files are gone) is never listed, and leaves the repository when that happens.
import {
  listModelVersions,
  listRegistryRecords,
  readModelFiles,
  watchModelVersions,
  watchRegistryRecords,
  type Layout,
} from '@kiln/cluster-state'
import type { ModelRegistryRecord, ModelVersionRecord } from '@kiln/protocol'
import type { Repository } from './repository.js'
import type { VersionSource } from './served-version.js'

/** Where a registered version's files come from (the object store). */
export function registrySource(layout: Pick<Layout, 'kv' | 'objects'>, record: ModelVersionRecord): VersionSource {
  return {
    model: record.model,
    version: record.version,
    bytes: record.bytes,
    read: () => readModelFiles(layout, record),
  }
}

function gone(registry: ModelRegistryRecord | undefined, version: number): boolean {
  const state = registry?.versions[String(version)]
  return Boolean(state?.archived || state?.deleted)
}

/** Follows the registry into `repo` until stop(). Resolves once the existing versions are known. */
export async function followRegistry(
  layout: Pick<Layout, 'kv' | 'objects'>,
  repo: Repository,
  onError: (err: unknown, key: string) => void = () => {},
): Promise<{ stop: () => void }> {
  const add = (record: ModelVersionRecord, load: boolean) => repo.add(registrySource(layout, record), load)
  const registry = await listRegistryRecords(layout)
  const existing = (await listModelVersions(layout)).filter((r) => !gone(registry.get(r.model), r.version))
  const latest = new Map<string, ModelVersionRecord>()
  for (const record of existing) {
    add(record, false)
    latest.set(record.model, record) // listed oldest version first
  }
  for (const record of latest.values()) add(record, true)
  // Archival marks the registry before deleting the files, so a version is gone from here
  // before a load could find its files missing.
  const removals = await watchRegistryRecords(
    layout,
    (record) => {
      registry.set(record.model, record)
      for (const v of Object.keys(record.versions).map(Number)) if (gone(record, v)) repo.remove(record.model, v)
    },
    onError,
  )
  // The watch replays what was listed (already known: skipped), then delivers new versions.
  const watch = await watchModelVersions(layout, (record) => {
    if (!repo.has(record.model, record.version) && !gone(registry.get(record.model), record.version)) add(record, true)
  })
  return {
    stop: () => {
      removals.stop()
      watch.stop()
    },
  }
}
