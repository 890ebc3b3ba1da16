// @kiln/gateway: the inference gateway (Open Inference Protocol v2 on Hono).
export { createGateway } from './gateway.js'
export type { Gateway, GatewayOptions, GatewayLog } from './gateway.js'
export { serveGateway } from './serve.js'
export type { Listening } from './serve.js'
export { batchConfig, DEFAULT_BATCH } from './batch/batch-config.js'
export type { BatchConfig } from './batch/batch-config.js'
export { Batcher } from './batch/batcher.js'
export type { RunBatch, BatchObserver } from './batch/batcher.js'
export {
  UnauthenticatedError,
  PayloadTooLargeError,
  OverloadedError,
  ModelLoadError,
  GatewayErrorCode,
} from './errors.js'
export { Datatype, halfToFloat } from './tensor/datatype.js'
export { parseInferRequest } from './tensor/infer-request.js'
export type { InferRequest, InputTensor } from './tensor/infer-request.js'
export { statusFor } from './http/status.js'
export { hashApiKey } from './auth/api-keys.js'
export { AccessPolicy, bearerToken } from './auth/access-policy.js'
export { ByteBudget } from './batch/byte-budget.js'
export { routeRequest } from './endpoints/router.js'
export { applyDeploy, applyTraffic, applyPromote, applyRollback } from './endpoints/endpoint-ops.js'
export { EndpointTable } from './endpoints/endpoint-table.js'
export { psi } from './monitor/psi.js'
export { DriftMonitor } from './monitor/drift-monitor.js'
export type { DriftResult, DriftOptions } from './monitor/drift-monitor.js'
export { pickEvictions } from './model/lru.js'
export { scanModelDir } from './model/dir-source.js'
export { VersionState } from './model/served-version.js'
export type { ServedVersion, VersionSource } from './model/served-version.js'
export { gatewayMetrics } from './metrics/gateway-metrics.js'
export type { GatewayMetrics } from './metrics/gateway-metrics.js'
export { InferencePool } from './worker/inference-pool.js'
