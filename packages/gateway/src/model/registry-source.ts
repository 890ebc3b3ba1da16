// Versions from the NATS model registry, hot: every version already published is known
// (the latest of each model loaded at once), and each newly published one is loaded as it
// appears, so it serves without a restart.
import { listModelVersions, readModelFiles, watchModelVersions, type Layout } from '@kiln/cluster-state'
import type { ModelVersionRecord } from '@kiln/protocol'
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

/** Follows the registry into `repo` until stop(). Resolves once the existing versions are known. */
export async function followRegistry(
  layout: Pick<Layout, 'kv' | 'objects'>,
  repo: Repository,
): Promise<{ stop: () => void }> {
  const add = (record: ModelVersionRecord, load: boolean) => repo.add(registrySource(layout, record), load)
  const existing = await listModelVersions(layout)
  const latest = new Map<string, ModelVersionRecord>()
  for (const record of existing) {
    add(record, false)
    latest.set(record.model, record) // listed oldest version first
  }
  for (const record of latest.values()) add(record, true)
  // The watch replays what was listed (already known: skipped), then delivers new versions.
  const watch = await watchModelVersions(layout, (record) => {
    if (!repo.has(record.model, record.version)) add(record, true)
  })
  return { stop: watch.stop }
}
