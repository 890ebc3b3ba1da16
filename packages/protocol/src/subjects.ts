import { ValidationError } from './errors.js'

/** Every subject starts with this, so one permission (`kiln.>`) covers the platform. */
export const SUBJECT_ROOT = 'kiln'

// Ids become subject tokens; a `.`, `*`, `>` or space in one would let a caller address
// (or subscribe to) subjects it was never meant to, so they are refused, not escaped.
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/

/** What an id must look like to be used as a subject token (and a KV key). */
export const SUBJECT_TOKEN_PATTERN: RegExp = TOKEN

/** Checks that `value` can be one subject token; `field` names it in the error. */
export function subjectToken(value: string, field = 'id'): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new ValidationError(field, '1-128 characters of A-Z a-z 0-9 _ - (a NATS subject token)', {
      data: { received: typeof value === 'string' ? value.slice(0, 64) : typeof value },
    })
  }
  return value
}

/** Kinds of event published on `kiln.events.<kind>`. */
export const EventKind = {
  node: 'node',
  job: 'job',
  trial: 'trial',
  sweep: 'sweep',
  endpoint: 'endpoint',
  metric: 'metric',
  pipeline: 'pipeline',
} as const
export type EventKind = (typeof EventKind)[keyof typeof EventKind]

/** Subject names of the cluster; functions build the per-id ones. */
export const Subjects = {
  /** Client → coordinator request/reply API. */
  api: {
    submit: 'kiln.api.submit',
    /** A batch transform: a job of dataset shards scored by a registered model. */
    transform: 'kiln.api.transform',
    sweep: 'kiln.api.sweep',
    cancel: 'kiln.api.cancel',
    status: 'kiln.api.status',
    deploy: 'kiln.api.deploy',
    list: 'kiln.api.list',
    show: 'kiln.api.show',
    logs: 'kiln.api.logs',
    /** Model registry changes: aliases, approval, archive/delete, settings. */
    models: 'kiln.api.models',
    /** Pipeline runs: run, list, show, retry, cancel. */
    pipelines: 'kiln.api.pipelines',
    all: 'kiln.api.>',
  },
  node: {
    /** Worker → coordinator liveness and free slots. */
    heartbeat: (nodeId: string) => `kiln.node.${subjectToken(nodeId, 'nodeId')}.heartbeat`,
    /** Coordinator → worker commands (start trial, stop trial, drain). */
    command: (nodeId: string) => `kiln.node.${subjectToken(nodeId, 'nodeId')}.command`,
    allHeartbeats: 'kiln.node.*.heartbeat',
  },
  events: {
    of: (kind: EventKind) => `kiln.events.${subjectToken(kind, 'kind')}`,
    all: 'kiln.events.>',
  },
  /**
   * Trial metrics as kept in the KILN_METRICS stream: one subject per trial and node that
   * wrote them (only that node may publish there); `trial` is all of one trial's.
   */
  metrics: {
    of: (trialId: string, nodeId: string) =>
      `kiln.metrics.${subjectToken(trialId, 'trialId')}.${subjectToken(nodeId, 'nodeId')}`,
    trial: (trialId: string) => `kiln.metrics.${subjectToken(trialId, 'trialId')}.*`,
    all: 'kiln.metrics.>',
  },
  /** Trial log lines as kept in the KILN_LOGS stream, by trial and node, as metrics. */
  logs: {
    of: (trialId: string, nodeId: string) =>
      `kiln.logs.${subjectToken(trialId, 'trialId')}.${subjectToken(nodeId, 'nodeId')}`,
    trial: (trialId: string) => `kiln.logs.${subjectToken(trialId, 'trialId')}.*`,
    all: 'kiln.logs.>',
  },
  pipeline: {
    /** A run's event log in KILN_PIPELINES. */
    events: (runId: string) => `kiln.pipeline.${subjectToken(runId, 'runId')}.events`,
  },
  trial: {
    /**
     * Per-epoch metrics a trial reports from node `nodeId`; the sweep scheduler answers
     * stop/continue. The node's id is in the subject because the server lets only that node
     * publish there: the coordinator knows who sent it (its serve subjectOf).
     */
    report: (trialId: string, nodeId: string) =>
      `kiln.trial.${subjectToken(trialId, 'trialId')}.report.${subjectToken(nodeId, 'nodeId')}`,
    /** Node → coordinator: started, checkpointed, finished, failed, handed back. */
    status: (trialId: string, nodeId: string) =>
      `kiln.trial.${subjectToken(trialId, 'trialId')}.status.${subjectToken(nodeId, 'nodeId')}`,
    allReports: 'kiln.trial.*.report.*',
    allStatus: 'kiln.trial.*.status.*',
    /**
     * Ring all-reduce traffic of one data-parallel trial: to rank `rank`, from node `fromNode`
     * (the previous rank's, the only one that may publish there; the rank hears only it).
     */
    ring: (trialId: string, rank: number, fromNode: string) =>
      `kiln.trial.${subjectToken(trialId, 'trialId')}.ring.${rankToken(rank)}.${subjectToken(fromNode, 'nodeId')}`,
  },
} as const

function rankToken(rank: number): string {
  if (!Number.isInteger(rank) || rank < 0 || rank > 65535) {
    throw new ValidationError('rank', 'an integer from 0 to 65535', { data: { received: rank } })
  }
  return String(rank)
}
