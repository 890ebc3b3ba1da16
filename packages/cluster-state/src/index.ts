// @kiln/cluster-state: the JetStream layout and the leader lease.
//
// Its own package rather than part of @kiln/coordinator: the worker, gateway and CLI must
// create and check the same layout (whoever starts first creates it), and none of them may
// depend on the coordinator. It cannot live in @kiln/protocol either, which does no I/O.
export { ensureLayout, formingReason, daemonLayoutOptions, DAEMON_FORMING_WAIT_MS } from './ensure-layout.js'
export { bindLayout } from './bind-layout.js'
export type { BoundLayout } from './bind-layout.js'
export type { Layout, EnsureLayoutOptions } from './ensure-layout.js'
export { KvBucket, StreamName, ObjectStoreBucket, LAYOUT_DEFAULTS, layoutSpecs } from './layout-spec.js'
export type { LayoutOptions, LayoutSettings, StreamLimits, StreamSpec, FixedField } from './layout-spec.js'
export { ensureStream, assertCompatible } from './ensure-stream.js'
export type { EnsuredStream } from './ensure-stream.js'
export { acquireLease, renewLease, releaseLease, leaseValid, waitForLeaseFree } from './lease.js'
export type { Lease, WaitForLeaseOptions } from './lease.js'
export { LayoutConflictError, LeaseLostError } from './errors.js'
export {
  storeModelFiles,
  describeStoredModel,
  registerModelVersion,
  publishModelVersion,
  listModelVersions,
  getModelVersion,
  readModelFiles,
  modelClassNames,
  watchModelVersions,
} from './model-registry.js'
export type { PublishModelInput, StoredModel } from './model-registry.js'
export {
  registryKey,
  readRegistryRecord,
  listRegistryRecords,
  changeRegistryRecord,
  readRegistrySettings,
  writeRegistrySettings,
  watchRegistryRecords,
} from './registry-records.js'
export { parseModelRef, formatModelRef, modelNames, notFoundWithHint, resolveModelRef } from './model-ref.js'
export type { ModelRef } from './model-ref.js'
export {
  applyModelsRequest,
  endpointsServing,
  servingEndpoints,
  assertLoadable,
  resolveDeployTarget,
} from './registry-ops.js'
export { serve } from './serve.js'
export type { Handler, ServeOptions } from './serve.js'
export { call } from './call.js'
export type { CallOptions } from './call.js'
export { readSubject } from './stream-reader.js'
export { watchFromStart } from './kv-watch.js'
export { natsFailure } from './nats-errors.js'
export type { NatsFailure } from './nats-errors.js'
export type { StartedWatch } from './kv-watch.js'
export { exposition, serveMetrics } from './metrics-server.js'
export type { MetricsServer, MetricsSource } from './metrics-server.js'
