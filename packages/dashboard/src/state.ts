// What the dashboard knows about the cluster: the records of the KV buckets as they were
// last seen, the metric and log history of the trials it looked at, recent events, drift
// alerts and gateway traffic. Views only read it; the store and the live source write it.
import type {
  DriftAlert,
  EndpointRecord,
  JobRecord,
  LogLine,
  ModelRegistryRecord,
  ModelVersionRecord,
  NodeRegistration,
  PipelineRunRecord,
  SweepRecord,
  TrialRecord,
} from '@kiln/protocol'
import type { GatewayStats, NodeStatus } from '@kiln/client'

/** A node: its registration, when it was last re-put (every heartbeat), the coordinator's view. */
export interface NodeView {
  registration: NodeRegistration
  /** ms since the epoch when its kiln_nodes entry was last written. */
  lastSeen: number
  /** From the coordinator's node list: load, busy slots, liveness. */
  status?: NodeStatus
}

/** One metric report of a trial. */
export interface MetricPoint {
  epoch: number
  step?: number
  at: number
  metrics: Record<string, number>
}

export const MessageLevel = { info: 'info', warn: 'warn', error: 'error' } as const
export type MessageLevel = (typeof MessageLevel)[keyof typeof MessageLevel]

/** A line for the message bar or the event feed. */
export interface Note {
  at: number
  level: MessageLevel
  text: string
}

export const ConnectionState = { connecting: 'connecting', live: 'live', offline: 'offline' } as const
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState]

export interface DashState {
  connection: { state: ConnectionState; server?: string }
  /** The clock views measure ages against (a fixed value in recorded state). */
  now: number
  /** How long a node may go without a heartbeat before it counts as lost (ms). */
  nodeTtlMs: number
  nodes: Map<string, NodeView>
  jobs: Map<string, JobRecord>
  trials: Map<string, TrialRecord>
  sweeps: Map<string, SweepRecord>
  endpoints: Map<string, EndpointRecord>
  models: Map<string, ModelVersionRecord>
  /** Each model's aliases and version states (approval, archival), by model name. */
  registry: Map<string, ModelRegistryRecord>
  /** Pipeline runs by id. */
  pipelines: Map<string, PipelineRunRecord>
  metrics: Map<string, MetricPoint[]>
  logs: Map<string, LogLine[]>
  alerts: DriftAlert[]
  events: Note[]
  messages: Note[]
  gateway?: GatewayStats
}

/** An empty state. */
export function emptyState(now = Date.now()): DashState {
  return {
    connection: { state: ConnectionState.connecting },
    now,
    nodeTtlMs: 6000,
    nodes: new Map(),
    jobs: new Map(),
    trials: new Map(),
    sweeps: new Map(),
    endpoints: new Map(),
    models: new Map(),
    registry: new Map(),
    pipelines: new Map(),
    metrics: new Map(),
    logs: new Map(),
    alerts: [],
    events: [],
    messages: [],
  }
}
