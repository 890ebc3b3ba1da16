// The nats-server configuration of a local cluster (and of the tests' servers): JetStream
// with fsync on every write where the server can, and the Kiln users with their permissions
// in the KILN account, JetStream in KILN_JS (nats-accounts.ts). The port and address go on
// the command line, which overrides the file.
import { kilnAccounts } from './nats-accounts.js'
import { SHARED_ROLES, nodePermissions, rolePermissions, type RolePermissions } from './roles.js'

/** A Kiln user: a role's name and password, or a node's nkey (its public key: no secret). */
export type NatsUser =
  | { user: string; password: string; permissions: RolePermissions }
  | { nkey: string; permissions: RolePermissions }

export interface NatsConfigOptions {
  /** JetStream store folder; none: JetStream off. */
  jetstreamDir?: string
  /** `sync_interval: always` (nats-server 2.10+; without it an acknowledged write can be lost on a crash). */
  syncAlways?: boolean
  /** Users; none: no authorization (tests only). */
  users?: NatsUser[]
  serverName?: string
  /** Largest message in bytes; tensors travel raw, so larger than NATS's 1 MiB default (8 MiB). */
  maxPayload?: number
  /** Appended as is. */
  extra?: string
}

// How long and how often a service may answer one request it received.
const RESPONSES = { max: 1000, expires: '5m' }

function permissionsBlock(p: RolePermissions): Record<string, unknown> {
  return {
    publish: p.publish,
    subscribe: p.subscribe,
    ...(p.responses ? { allow_responses: RESPONSES } : {}),
  }
}

/**
 * The configuration file text. The nats config syntax accepts JSON, so values are written
 * with JSON.stringify: every subject and password is a quoted string, never a `$variable`.
 */
export function natsConfigText(o: NatsConfigOptions): string {
  const lines = ['# Written by Kiln; regenerated on every start.']
  if (o.serverName) lines.push(`server_name: ${JSON.stringify(o.serverName)}`)
  lines.push(`max_payload: ${o.maxPayload ?? 8 * 1024 * 1024}`)
  if (o.jetstreamDir) {
    const js = { store_dir: o.jetstreamDir, ...(o.syncAlways ? { sync_interval: 'always' } : {}) }
    lines.push(`jetstream: ${JSON.stringify(js)}`)
  }
  if (o.users) {
    const users = o.users.map((u) => ({
      ...('nkey' in u ? { nkey: u.nkey } : { user: u.user, password: u.password }),
      permissions: permissionsBlock(u.permissions),
    }))
    lines.push(`accounts: ${JSON.stringify(kilnAccounts(users), null, 2)}`)
  }
  if (o.extra) lines.push(o.extra)
  return `${lines.join('\n')}\n`
}

/**
 * cluster/nats/kiln-accounts.conf: the accounts of an operator's cluster, as `kiln up` makes
 * them locally: KILN_JS (JetStream), KILN (one user per shared role, its password from the
 * environment as $KILN_<ROLE>_PASSWORD, and one nkey per worker node), and SYS. The repo's
 * copy lists no node; `kiln node add|revoke --nats-conf DIR` rewrites DIR/kiln-accounts.conf
 * from DIR/nodes.json. Every value but the password variables is JSON.
 */
export function accountsConfText(nodes: readonly { nodeId: string; publicKey: string }[]): string {
  const [js, kiln] = Object.entries(kilnAccounts([]))
  const roleLines = SHARED_ROLES.map((role) => {
    const password = `$KILN_${role.toUpperCase()}_PASSWORD`
    return `      { user: ${role}, password: ${password}, permissions: ${JSON.stringify(permissionsBlock(rolePermissions(role)))} }`
  })
  const nodeLines = nodes.map(
    (n) =>
      `      ${JSON.stringify({ nkey: n.publicKey, permissions: permissionsBlock(nodePermissions(n.nodeId)) })} # node ${n.nodeId}`,
  )
  return [
    "# Kiln's NATS accounts (docs/security.md): JetStream in KILN_JS, every user in KILN.",
    '# Generated from packages/local/src (roles.ts, nats-accounts.ts); do not edit. `kiln node add|revoke',
    '# --nats-conf DIR` rewrites it with the nodes of DIR/nodes.json: then copy it to every NATS',
    '# server and reload them (nats-server --signal reload). The repo copy lists no node:',
    '# KILN_UPDATE_CLUSTER_CONF=1 node scripts/run-tests.mjs test/local/cluster-config.test.ts rewrites it.',
    'accounts {',
    `  ${js![0]}: ${JSON.stringify(js![1])}`,
    `  ${kiln![0]}: {`,
    `    imports: ${JSON.stringify((kiln![1] as { imports: unknown }).imports)}`,
    '    users: [',
    ...roleLines,
    ...nodeLines,
    '    ]',
    '  }',
    "  # The server's own account: `nats server report` and friends.",
    '  SYS: { users: [ { user: sys, password: $KILN_SYS_PASSWORD } ] }',
    '}',
    'system_account: SYS',
    '',
  ].join('\n')
}
