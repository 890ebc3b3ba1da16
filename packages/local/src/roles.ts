// Who may publish and subscribe to what, per role. Derived from what each process does
// (DESIGN.md's picture): the coordinator serves kiln.api.> and owns all state; workers
// heartbeat, take commands, stream metrics/logs, run ring all-reduce and write checkpoints
// and models; the gateway serves kiln.gateway.api.> and reads models; clients call both
// APIs, read everything and upload datasets and code bundles. docs/security.md explains
// the table and the risks that remain.
import { KvBucket, ObjectStoreBucket } from '@kiln/cluster-state'

/** The credentials `kiln up` generates: one user per role. */
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

const INBOX = '_INBOX.>'

// What reading KV buckets, streams and object stores needs: stream and consumer info,
// direct and stored message gets, ephemeral (ordered) consumers for watches and object
// reads, pulls, acks and flow-control replies. The API subjects name the stream but not
// what is read, so this cannot be narrowed per bucket: every role can read all state.
const JS_READ = [
  '$JS.API.INFO',
  '$JS.API.STREAM.INFO.*',
  '$JS.API.STREAM.NAMES',
  '$JS.API.STREAM.LIST',
  '$JS.API.STREAM.MSG.GET.*',
  '$JS.API.DIRECT.GET.>',
  '$JS.API.CONSUMER.CREATE.>',
  '$JS.API.CONSUMER.INFO.*.*',
  '$JS.API.CONSUMER.NAMES.*',
  '$JS.API.CONSUMER.LIST.*',
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

const TABLE: Record<Role, RolePermissions> = {
  // Operators and `kiln up` itself (creating the JetStream layout before anyone else runs).
  admin: { publish: { allow: ['>'] }, subscribe: { allow: ['>'] }, responses: true },
  coordinator: {
    // The whole JetStream API: it creates the layout, manages durable consumers, cleans up.
    publish: { allow: ['kiln.>', '$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', '$O.>'] },
    subscribe: { allow: ['kiln.>', '$SRV.>', INBOX] },
    responses: true,
  },
  worker: {
    publish: {
      allow: [
        'kiln.node.*.>',
        'kiln.trial.*.>',
        'kiln.metrics.>',
        'kiln.logs.>',
        'kiln.events.>',
        ...JS_READ,
        kvWrite(KvBucket.nodes),
        kvWrite(KvBucket.modelVersions),
        objectWrite(ObjectStoreBucket.checkpoints),
        objectWrite(ObjectStoreBucket.models),
        objectPurge(ObjectStoreBucket.checkpoints),
        // Transform shards: a shard scored again replaces its object (a purge).
        objectWrite(ObjectStoreBucket.transforms),
        objectPurge(ObjectStoreBucket.transforms),
      ],
      // Only the coordinator commands nodes.
      deny: ['kiln.node.*.command'],
    },
    subscribe: { allow: ['kiln.node.*.command', 'kiln.trial.*.>', 'kiln.events.>', INBOX] },
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
    subscribe: { allow: ['kiln.gateway.api.>', 'kiln.events.>', '$SRV.>', INBOX] },
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
    subscribe: { allow: ['kiln.events.>', 'kiln.metrics.>', 'kiln.logs.>', 'kiln.alerts.>', INBOX] },
    responses: false,
  },
}

/** The subject permissions of `role` (a fresh copy the caller may change). */
export function rolePermissions(role: Role): RolePermissions {
  return structuredClone(TABLE[role])
}
