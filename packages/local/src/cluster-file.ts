// .kiln/cluster.json: how every command finds the local cluster (its URL and credential
// files) and how `kiln up`, `down` and `status` find its processes.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { writePrivateFile } from './creds-file.js'
import { LocalClusterError, LocalFailure } from './errors.js'
import type { Role } from './roles.js'

export const CLUSTER_FILE_FORMAT = 'kiln-cluster/1'
/** The folder a local cluster keeps its state in, below the folder `kiln up` ran in. */
export const KILN_DIR_NAME = '.kiln'

/** One process of the local cluster. */
export interface ClusterProcess {
  /** nats, coordinator, worker-1, ..., gateway, gateway-2, ... */
  name: string
  role: Role | 'nats'
  pid: number
  /** Text its /proc command line contains, so a reused pid is never taken for it. */
  marker: string
  log: string
  started: string
  /** `kiln <args>` it runs (credential file paths, never secrets), for a restart. */
  args?: string[]
}

/** The content of cluster.json. */
export interface ClusterFile {
  format: typeof CLUSTER_FILE_FORMAT
  /** The .kiln folder (absolute). */
  dir: string
  url: string
  /** Credential file of each role. */
  creds: Partial<Record<Role, string>>
  /** The (first) gateway's URL. */
  gatewayUrl?: string
  /** Every gateway's URL when `kiln up --gateways N` runs several (the first is gatewayUrl). */
  gatewayUrls?: string[]
  started: string
  /** Set by `kiln down`; the processes list is then empty. */
  stopped?: string
  versions: { kiln: string; natsServer: string; node: string }
  /** The pid of a foreground `kiln up` watching the processes; absent when detached. */
  supervisor?: number
  processes: ClusterProcess[]
}

/** The cluster.json path of a .kiln folder. */
export function clusterFilePath(dir: string): string {
  return join(dir, 'cluster.json')
}

/** Reads `<dir>/cluster.json`; undefined when there is none. */
export function readClusterFile(dir: string): ClusterFile | undefined {
  const file = clusterFilePath(dir)
  if (!existsSync(file)) return undefined
  let data: Partial<ClusterFile>
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterFile>
  } catch (err) {
    throw new LocalClusterError(
      LocalFailure.badClusterFile,
      `${file}: not JSON (${(err as Error).message}); remove it and run kiln up`,
      { cause: err },
    )
  }
  if (
    data.format !== CLUSTER_FILE_FORMAT ||
    typeof data.url !== 'string' ||
    !Array.isArray(data.processes) ||
    typeof data.creds !== 'object'
  ) {
    throw new LocalClusterError(
      LocalFailure.badClusterFile,
      `${file}: expected format ${CLUSTER_FILE_FORMAT} with url, creds and processes; remove it and run kiln up`,
    )
  }
  return data as ClusterFile
}

/** Writes cluster.json atomically (readers never see half a file). */
export function writeClusterFile(info: ClusterFile): void {
  writePrivateFile(clusterFilePath(info.dir), `${JSON.stringify(info, null, 2)}\n`)
}

/**
 * The .kiln folder of the local cluster a command in `cwd` uses: $KILN_DIR if set, else the
 * nearest `.kiln` with a cluster.json in `cwd` or a folder above it (as git finds .git).
 */
export function findClusterDir(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.KILN_DIR) return resolve(cwd, env.KILN_DIR)
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(clusterFilePath(join(dir, KILN_DIR_NAME)))) return join(dir, KILN_DIR_NAME)
    if (dirname(dir) === dir) return undefined
  }
}
