// The DATASET argument of `kiln data transform|validate`: a dataset stored in the cluster (a
// name or id), else a path or registered name loaded here.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import type { ObjectStore } from '@nats-io/obj'
import type { DatasetRecord, ResolvedDataset } from '@kiln/data'

/** The cluster's dataset store. */
export async function datasetStore(nc: NatsConnection): Promise<ObjectStore> {
  const { bindLayout } = await import('@kiln/cluster-state')
  return (await bindLayout(nc)).objects.datasets
}

/** A loaded dataset; `record` when it is (or was just) stored in the cluster. */
export interface LoadedDataset {
  data: ResolvedDataset
  record?: DatasetRecord
}

/**
 * Loads `ref` from the cluster's store when it names a stored dataset, else from a path or
 * registered name (and, with `store: true`, imports it so a result can name its source).
 */
export async function loadDatasetArg(
  nc: NatsConnection,
  ref: string,
  cwd: string,
  options: { store?: boolean } = {},
): Promise<LoadedDataset> {
  const data = await import('@kiln/data')
  const store = await datasetStore(nc)
  const record = await data.findDataset(store, ref).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'not_found') return undefined
    throw err
  })
  if (record) {
    const cacheDir = await mkdtemp(join(tmpdir(), 'kiln-data-'))
    try {
      const fetched = await data.fetchDataset(store, record.id, { cacheDir })
      return { data: fetched, record }
    } finally {
      await rm(cacheDir, { recursive: true, force: true })
    }
  }
  const source = data.importSource(ref, cwd)
  const resolved = await data.resolveDataset(source.location)
  if (!options.store) return { data: resolved }
  const stored = await data.importDataset(store, resolved, { name: source.defaultName, source: ref })
  return { data: resolved, record: stored }
}
