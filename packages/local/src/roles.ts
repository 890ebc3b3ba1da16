// Who may publish and subscribe to what, per role. Derived from what each process does
// (DESIGN.md's picture): the coordinator serves kiln.api.> and owns all state; each worker
// node, under its own user, heartbeats, takes its commands, reports its trials, streams
// metrics/logs, runs ring all-reduce and writes checkpoints and models; the gateway serves
// kiln.gateway.api.> and reads models; clients call both APIs, read everything and upload
// datasets and code bundles. Every user subscribes only to its own reply inboxes
// (`_INBOX.<user>.>`), so nobody overhears another's replies. docs/security.md explains the
// table, the accounts around it (nats-accounts.ts) and the risks that remain.
import { KvBucket, ObjectStoreBucket } from '@kiln/cluster-state'
import { subjectToken } from '@kiln/protocol'

/** The kinds of Kiln process; each has its own NATS credentials. */
export const Role = {
  admin: 'admin',
  coordinator: 'coordinator',
  worker: 'worker',
  gateway: 'gateway',
  client: 'client',
} as const
export type Role = (typeof Role)[keyof typeof Role]

/** Every role, in the order their processes start. */
export const ROLES: readonly Role[] = [Role.admin, Role.coordinator, Role.worker, Role.gateway, Role.client]

/** Roles with one shared user each. Workers have none: each node has its own (nodePermissions). */
export type SharedRole = Exclude<Role, 'worker'>
export const SHARED_ROLES: readonly SharedRole[] = [Role.admin, Role.coordinator, Role.gateway, Role.client]

/** The NATS user name of worker node `nodeId`. */
export function nodeUserName(nodeId: string): string {
  return `node-${subjectToken(nodeId, 'nodeId')}`
}

/**
 * Where replies to `user`'s requests (and its JetStream deliveries) arrive: nats.js's
 * `inboxPrefix`. The user may subscribe only below it.
 */
export function inboxPrefix(user: string): string {
  return `_INBOX.${subjectToken(user, 'user')}`
}

/** nats-server subject permissions of one user. */
export interface RolePermissions {
  publish: { allow: string[]; deny?: string[] }
  subscribe: { allow: string[]; deny?: string[] }
  /**
   * May answer requests it received (nats-server `allow_responses`): services reply without
   * a blanket right to publish into other users' _INBOX.> subjects.
   */
  responses: boolean
}

// What reading KV buckets, streams and object stores needs: stream info, direct and stored
// message gets, ephemeral (ordered) consumers for watches and object reads and the info of
// one's own consumer, pulls, acks and flow-control replies. The API subjects name the stream
// but not what is read, so this cannot be narrowed per bucket: every role can read all
// state. Listing consumers is left out: it would show other users' delivery inboxes.
const JS_READ = [
  '$JS.API.INFO',
  '$JS.API.STREAM.INFO.*',
  '$JS.API.STREAM.NAMES',
  '$JS.API.STREAM.LIST',
  '$JS.API.STREAM.MSG.GET.*',
  '$JS.API.DIRECT.GET.>',
  '$JS.API.CONSUMER.CREATE.>',
  '$JS.API.CONSUMER.INFO.*.*',
  '$JS.API.CONSUMER.MSG.NEXT.*.*',
  '$JS.ACK.>',
  '$JS.FC.>',
]

// Writes are plain publishes to the bucket's subjects, so they can be granted per bucket.
const kvWrite = (bucket: string) => `$KV.${bucket}.>`
const objectWrite = (bucket: string) => `$O.${bucket}.>`
// Replacing or deleting an object purges its old chunks; the purge API cannot be limited
// to one object, so a role that may replace objects may also empty that store.
const objectPurge = (bucket: string) => `$JS.API.STREAM.PURGE.OBJ_${bucket}`

const TABLE: Record<SharedRole, RolePermissions> = {
  // Operators and `kiln up` itself (creating the JetStream layout before anyone else runs).
  admin: { publish: { allow: ['>'] }, subscribe: { allow: ['>'] }, responses: true },
  coordinator: {
    // The whole JetStream API: it creates the layout, manages durable consumers, cleans up.
    publish: { allow: ['kiln.>', '$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', '$O.>'] },
    subscribe: { allow: ['kiln.>', `${inboxPrefix('coordinator')}.>`] },
    responses: true,
  },
  gateway: {
    // Endpoint records change only through the gateway's API (compare-and-set in KV); it
    // also publishes endpoint events, drift alerts and sampled requests (KILN_CAPTURE).
    publish: {
      allow: [
        'kiln.gateway.>',
        'kiln.events.>',
        'kiln.alerts.>',
        'kiln.capture.>',
        ...JS_READ,
        kvWrite(KvBucket.endpoints),
      ],
    },
    subscribe: { allow: ['kiln.gateway.api.>', 'kiln.events.>', `${inboxPrefix('gateway')}.>`] },
    responses: true,
  },
  client: {
    publish: {
      allow: [
        'kiln.api.>',
        'kiln.gateway.api.>',
        ...JS_READ,
        objectWrite(ObjectStoreBucket.datasets),
        objectWrite(ObjectStoreBucket.bundles),
        objectPurge(ObjectStoreBucket.datasets),
        objectPurge(ObjectStoreBucket.bundles),
      ],
    },
    subscribe: {
      allow: ['kiln.events.>', 'kiln.metrics.>', 'kiln.logs.>', 'kiln.alerts.>', `${inboxPrefix('client')}.>`],
    },
    responses: false,
  },
}

/** The subject permissions of `role` (a fresh copy the caller may change). */
export function rolePermissions(role: SharedRole): RolePermissions {
  return structuredClone(TABLE[role])
}

/**
 * The permissions of worker node `nodeId`: its own heartbeat, commands and kiln_nodes key,
 * statuses and reports only under its own id (the coordinator checks the trial is placed
 * there), the ring, metrics and logs of trials, and checkpoint and model writes.
 */
export function nodePermissions(nodeId: string): RolePermissions {
  const id = subjectToken(nodeId, 'nodeId')
  return {
    publish: {
      allow: [
        `kiln.node.${id}.heartbeat`,
        `kiln.trial.*.status.${id}`,
        `kiln.trial.*.report.${id}`,
        'kiln.trial.*.ring.*',
        'kiln.metrics.*',
        'kiln.logs.*',
        ...JS_READ,
        `$KV.${KvBucket.nodes}.${id}`,
        kvWrite(KvBucket.modelVersions),
        objectWrite(ObjectStoreBucket.checkpoints),
        objectWrite(ObjectStoreBucket.models),
        objectPurge(ObjectStoreBucket.checkpoints),
      ],
    },
    subscribe: { allow: [`kiln.node.${id}.command`, 'kiln.trial.*.ring.*', `${inboxPrefix(nodeUserName(id))}.>`] },
    responses: true,
  }
}
