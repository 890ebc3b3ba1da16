// Node identities of a local cluster: `.kiln/nodes.json` lists them, `.kiln/creds/node-<id>.creds`
// holds each one's seed. `kiln up` issues fresh ones for its own workers; `kiln node add` and
// `revoke` change the list, rewrite nats.conf and reload the running server (SIGHUP): a new
// node may connect at once, a revoked one is disconnected and refused.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { readClusterFile, type ClusterFile } from './cluster-file.js'
import { readCredentials, writePrivateFile } from './creds-file.js'
import { LocalClusterError, LocalFailure } from './errors.js'
import { natsServerVersion } from './nats-binary.js'
import type { NatsUser } from './nats-config.js'
import { writeNatsConfig } from './nats-process.js'
import { addNode, nodeUsers, readNodes, revokeNode, type NodeIdentity } from './node-identity.js'
import { ensurePrivateDir } from './private-dir.js'
import { pidAlive } from './process-control.js'
import { SHARED_ROLES, rolePermissions } from './roles.js'
import { waitUntil } from './wait-until.js'

/** The list of nodes a local cluster's server accepts. */
export function localNodesFile(dir: string): string {
  return join(dir, 'nodes.json')
}

/** Where a local cluster keeps node `nodeId`'s credential file. */
export function localNodeCreds(dir: string, nodeId: string): string {
  return join(dir, 'creds', `node-${nodeId}.creds`)
}

/** The options a local cluster's nats-server runs with: `kiln up` and a reload use the same. */
export function localNatsOptions(dir: string, users: NatsUser[]) {
  return { dir, jetstreamDir: join(dir, 'jetstream'), users, serverName: 'kiln-local' }
}

/** The server users of every node in the local cluster's list. */
export function localNodeUsers(dir: string): NatsUser[] {
  return nodeUsers(readNodes(localNodesFile(dir)))
}

/**
 * Issues fresh identities for `kiln up`'s own workers (any earlier ones of the same names
 * are replaced) and writes their credential files; returns the files in order.
 */
export function issueLocalWorkers(dir: string, nodeIds: readonly string[]): string[] {
  ensurePrivateDir(join(dir, 'creds'))
  const file = localNodesFile(dir)
  const known = new Set(readNodes(file).map((n) => n.nodeId))
  return nodeIds.map((id) => {
    if (known.has(id)) revokeNode(file, id)
    const creds = localNodeCreds(dir, id)
    writePrivateFile(creds, addNode(file, id).credentials)
    return creds
  })
}

function runningInfo(dir: string): ClusterFile | undefined {
  const info = readClusterFile(dir)
  const nats = info?.processes.find((p) => p.role === 'nats')
  return info && nats && pidAlive(nats.pid, nats.marker) ? info : undefined
}

// Every shared role's user (passwords from their credential files) and every node's.
function localUsers(dir: string, info: ClusterFile): NatsUser[] {
  const roles = SHARED_ROLES.flatMap((role): NatsUser[] => {
    const file = info.creds[role]
    if (!file) return []
    const c = readCredentials(file)
    return c.kind === 'user' ? [{ user: c.user, password: c.password, permissions: rolePermissions(role) }] : []
  })
  return [...roles, ...localNodeUsers(dir)]
}

const RELOADED = /Reloaded server configuration/
const RELOAD_FAILED = /Failed to reload server configuration[^\n]*/

// What the log gained since it was `from` bytes long.
function logSince(file: string, from: number): string {
  return readFileSync(file).subarray(from).toString('utf8')
}

/**
 * Rewrites the running local server's nats.conf from the current users and reloads it
 * (SIGHUP), resolving once its log says it reloaded. Does nothing when it is not running:
 * `kiln up` writes the file afresh.
 */
export async function reloadLocalNats(dir: string): Promise<boolean> {
  const info = runningInfo(dir)
  const nats = info?.processes.find((p) => p.role === 'nats')
  if (!info || !nats) return false
  writeNatsConfig(localNatsOptions(dir, localUsers(dir, info)), natsServerVersion())
  const from = statSync(nats.log).size
  process.kill(nats.pid, 'SIGHUP')
  await waitUntil(
    () => {
      const fresh = logSince(nats.log, from)
      const failed = RELOAD_FAILED.exec(fresh)
      if (failed) throw new LocalClusterError(LocalFailure.natsStart, `nats-server refused the new users: ${failed[0]}`)
      return RELOADED.test(fresh) ? true : undefined
    },
    {
      timeoutMs: 10_000,
      intervalMs: 25,
      onTimeout: () => new LocalClusterError(LocalFailure.natsStart, `nats-server did not reload (log ${nats.log})`),
    },
  )
  return true
}

/** `kiln node add` on a local cluster: a new identity, its credential file, a reloaded server. */
export async function addLocalNode(
  dir: string,
  nodeId: string,
  o: { out?: string } = {},
): Promise<{ identity: NodeIdentity; file: string; reloaded: boolean }> {
  const info = readClusterFile(dir)
  const { identity, credentials } = addNode(localNodesFile(dir), nodeId, info ? { url: info.url } : {})
  const file = o.out ?? localNodeCreds(dir, nodeId)
  if (!o.out) ensurePrivateDir(join(dir, 'creds'))
  writePrivateFile(file, credentials)
  return { identity, file, reloaded: await reloadLocalNats(dir) }
}

/** `kiln node revoke` on a local cluster: the node is removed, its connections closed. */
export async function revokeLocalNode(
  dir: string,
  nodeId: string,
): Promise<{ identity: NodeIdentity; reloaded: boolean }> {
  const identity = revokeNode(localNodesFile(dir), nodeId)
  return { identity, reloaded: await reloadLocalNats(dir) }
}
