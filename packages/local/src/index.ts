// @kiln/local: a Kiln cluster on this machine (`kiln up` / `down` / `status`): nats-server
// with JetStream and per-role credentials, the kiln processes, and .kiln/cluster.json.
export { natsServerPath, natsServerVersion, supportsSyncAlways } from './nats-binary.js'
export type { NatsVersion } from './nats-binary.js'
export { startNatsServer, writeNatsConfig, NATS_MARKER } from './nats-process.js'
export type { NatsServerOptions, RunningNats } from './nats-process.js'
export { natsConfigText, accountsConfText } from './nats-config.js'
export type { NatsUser, NatsConfigOptions } from './nats-config.js'
export { freePort, tcpAccepts, portFree } from './net-probe.js'
export { Role, ROLES, SHARED_ROLES, rolePermissions, nodePermissions, nodeUserName, inboxPrefix } from './roles.js'
export type { RolePermissions, SharedRole } from './roles.js'
export { JS_ACCOUNT, USER_ACCOUNT } from './nats-accounts.js'
export { addNode, revokeNode, readNodes, nodeUsers, NODES_FILE_FORMAT } from './node-identity.js'
export type { NodeIdentity } from './node-identity.js'
export { generateRoleUsers, randomPassword } from './credentials.js'
export type { RoleUser } from './credentials.js'
export {
  parseCredentials,
  readCredentials,
  formatUserCredentials,
  formatNodeCredentials,
  isNkeySeed,
  writePrivateFile,
  tlsFilesFrom,
} from './creds-file.js'
export type { Credentials, TlsFiles } from './creds-file.js'
export { ensurePrivateDir } from './private-dir.js'
export {
  CLUSTER_FILE_FORMAT,
  KILN_DIR_NAME,
  clusterFilePath,
  readClusterFile,
  writeClusterFile,
  findClusterDir,
} from './cluster-file.js'
export type { ClusterFile, ClusterProcess } from './cluster-file.js'
export { pidAlive, stopPid, tailFile } from './process-control.js'
export type { StopResult } from './process-control.js'
export { defaultKilnCommand, spawnKiln, waitForReady } from './kiln-process.js'
export type { KilnCommand } from './kiln-process.js'
export type { Spawned, Exit } from './spawn-logged.js'
export { planProcesses, localWorkerName } from './process-plan.js'
export {
  addLocalNode,
  revokeLocalNode,
  reloadLocalNats,
  localNodesFile,
  localNodeCreds,
  issueLocalWorkers,
} from './local-nodes.js'
export type { PlannedProcess, PlanOptions } from './process-plan.js'
export { upLocalCluster } from './local-up.js'
export type { UpOptions, UpResult } from './local-up.js'
export { superviseLocalCluster } from './supervise.js'
export type { Supervision } from './supervise.js'
export type { StartContext, StartOutcome } from './start-kiln-process.js'
export { downLocalCluster, stopClusterProcesses } from './stop-cluster.js'
export { lockDir } from './lock.js'
export { probeCluster } from './probe.js'
export type { ClusterProbe, Check } from './probe.js'
export type { ClusterEvent, OnClusterEvent } from './events.js'
export { LocalClusterError, LocalFailure } from './errors.js'
