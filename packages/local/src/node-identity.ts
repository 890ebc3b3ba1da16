// Worker node identities: one NATS user per node, an nkey whose public key the server's
// configuration lists with the node's permissions and whose seed only the node holds (its
// credential file). The list of nodes is a JSON file (`nodes.json` in a local cluster's .kiln
// folder, or next to an operator's NATS configuration), so adding or revoking one is an edit
// of that file, a regenerated configuration and a server reload: no secret is ever in it.
import { existsSync, readFileSync } from 'node:fs'
import * as nkeys from '@nats-io/nkeys'
import { subjectToken } from '@kiln/protocol'
import { formatNodeCredentials, writePrivateFile } from './creds-file.js'
import { LocalClusterError, LocalFailure } from './errors.js'
import type { NatsUser } from './nats-config.js'
import { nodePermissions } from './roles.js'

export const NODES_FILE_FORMAT = 'kiln-nodes/1'

/** One node allowed to join: its id and its user's public nkey. */
export interface NodeIdentity {
  nodeId: string
  publicKey: string
  added: string
}

interface NodesFile {
  format: typeof NODES_FILE_FORMAT
  nodes: NodeIdentity[]
}

const PUBLIC_USER_KEY = /^U[A-Z2-7]{55}$/

/** The nodes listed in `file` (none when it does not exist yet). */
export function readNodes(file: string): NodeIdentity[] {
  if (!existsSync(file)) return []
  let data: Partial<NodesFile>
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<NodesFile>
  } catch (err) {
    throw new LocalClusterError(LocalFailure.badClusterFile, `${file}: not JSON (${(err as Error).message})`, {
      cause: err,
    })
  }
  const ok =
    data.format === NODES_FILE_FORMAT &&
    Array.isArray(data.nodes) &&
    data.nodes.every((n) => typeof n?.nodeId === 'string' && PUBLIC_USER_KEY.test(String(n.publicKey)))
  if (!ok)
    throw new LocalClusterError(
      LocalFailure.badClusterFile,
      `${file}: expected format ${NODES_FILE_FORMAT} with nodes of {nodeId, publicKey}`,
    )
  return data.nodes!
}

function writeNodes(file: string, nodes: NodeIdentity[]): void {
  writePrivateFile(file, `${JSON.stringify({ format: NODES_FILE_FORMAT, nodes } satisfies NodesFile, null, 2)}\n`)
}

/** A new node identity: its entry in `file`, and the text of its credential file (the secret). */
export function addNode(
  file: string,
  nodeId: string,
  o: { url?: string; now?: Date } = {},
): { identity: NodeIdentity; credentials: string } {
  subjectToken(nodeId, 'node name')
  const nodes = readNodes(file)
  if (nodes.some((n) => n.nodeId === nodeId))
    throw new LocalClusterError(
      LocalFailure.nodeExists,
      `node ${nodeId} already has credentials: revoke it first (kiln node revoke ${nodeId}) to issue new ones`,
    )
  const pair = nkeys.createUser()
  const seed = new TextDecoder().decode(pair.getSeed())
  const identity: NodeIdentity = { nodeId, publicKey: pair.getPublicKey(), added: (o.now ?? new Date()).toISOString() }
  writeNodes(file, [...nodes, identity])
  const credentials = formatNodeCredentials(nodeId, seed, `Kiln worker node ${nodeId}: its own NATS identity`, o.url)
  return { identity, credentials }
}

/** Removes node `nodeId` from `file`; the server refuses it once its configuration is reloaded. */
export function revokeNode(file: string, nodeId: string): NodeIdentity {
  const nodes = readNodes(file)
  const found = nodes.find((n) => n.nodeId === nodeId)
  if (!found)
    throw new LocalClusterError(
      LocalFailure.nodeUnknown,
      `no node ${JSON.stringify(nodeId.slice(0, 128))} in ${file}; known: ${nodes.map((n) => n.nodeId).join(', ') || 'none'}`,
    )
  writeNodes(
    file,
    nodes.filter((n) => n !== found),
  )
  return found
}

/** The server users of these nodes. */
export function nodeUsers(nodes: readonly NodeIdentity[]): NatsUser[] {
  return nodes.map((n) => ({ nkey: n.publicKey, permissions: nodePermissions(n.nodeId) }))
}
