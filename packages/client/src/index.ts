// @kiln/client: the typed SDK over the cluster's NATS API.
export {}
export { call } from './request.js'
export { JobsClient } from './jobs.js'
export type { SubmitOptions, SubmitResult, NodeStatus } from './jobs.js'
export { trialLogs, trialMetrics } from './logs.js'
export { EndpointsClient, predict } from './endpoints.js'
export type { DeployOptions, PredictInput, PredictOptions, PredictResult } from './endpoints.js'
