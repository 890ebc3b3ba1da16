// The nats-server configuration of a local cluster (and of the tests' servers): JetStream
// with fsync on every write where the server can, and one user per role with its
// permissions. The port and address go on the command line, which overrides the file.
import { ROLES, rolePermissions, type RolePermissions } from './roles.js'

/** A user in the server's authorization block. */
export interface NatsUser {
  user: string
  password: string
  permissions: RolePermissions
}

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
      user: u.user,
      password: u.password,
      permissions: permissionsBlock(u.permissions),
    }))
    lines.push(`authorization: ${JSON.stringify({ users }, null, 2)}`)
  }
  if (o.extra) lines.push(o.extra)
  return `${lines.join('\n')}\n`
}

/**
 * cluster/nats/kiln-permissions.conf: one variable per role (KILN_WORKER_PERMISSIONS = {...})
 * holding the same permissions `kiln up` gives its users, for operators' configs to use.
 */
export function permissionsConfText(): string {
  return [
    '# Subject permissions of each Kiln role, the same `kiln up` gives its local users.',
    '# Generated from packages/local/src/roles.ts (docs/security.md explains them); do not edit:',
    '# KILN_UPDATE_CLUSTER_CONF=1 node scripts/run-tests.mjs test/local/cluster-config.test.ts rewrites it.',
    ...ROLES.map(
      (role) => `KILN_${role.toUpperCase()}_PERMISSIONS = ${JSON.stringify(permissionsBlock(rolePermissions(role)))}`,
    ),
    '',
  ].join('\n')
}
