// What the dashboard can do to the cluster, as one interface: the live implementation goes
// through @kiln/client; tests pass a recording fake.
import type { NatsConnection } from '@nats-io/transport-node'
import { EndpointsClient, JobsClient, ModelsClient, SweepsClient, type SubmitOptions } from '@kiln/client'

/** What a launch created. */
export interface LaunchResult {
  kind: 'sweep' | 'job'
  /** The sweep's id, or the job's. */
  id: string
  jobId: string
  /** What was uploaded on the way (a dataset import, a trial bundle). */
  notes: string[]
}

/** A spec read, checked and made ready to submit (its dataset and script in the cluster). */
export interface PreparedSpec {
  /** The checked spec; a sweep's has a `search` section. */
  spec: { search?: unknown }
  options: SubmitOptions
  notes: string[]
}

/** Reads the spec at `path` with `--set`-style overrides and uploads what it needs. */
export type PrepareSpec = (path: string, sets: readonly string[]) => Promise<PreparedSpec>

export interface DashActions {
  /** Submits the spec at `path` (with overrides) as a sweep when it has `search:`, else as a job. */
  launch(path: string, sets: readonly string[]): Promise<LaunchResult>
  /** Cancels a sweep, job or trial. */
  cancel(id: string): Promise<void>
  /** Makes `variant` the only variant of `endpoint`. */
  promote(endpoint: string, variant: string): Promise<void>
  /** Returns `endpoint` to its previous revision. */
  rollback(endpoint: string): Promise<void>
  /** Records an approval of the version `ref` (`NAME@VERSION`). */
  approve(ref: string): Promise<void>
  /** Points `alias` of the version's model at the version `ref`. */
  alias(ref: string, alias: string): Promise<void>
}

/** The actions of a live cluster connection. */
export function liveActions(nc: NatsConnection, prepare: PrepareSpec): DashActions {
  const jobs = new JobsClient(nc)
  const endpoints = new EndpointsClient(nc)
  const sweeps = new SweepsClient(nc, 30_000)
  const models = new ModelsClient(nc)
  return {
    async launch(path, sets) {
      const { spec, options, notes } = await prepare(path, sets)
      if (spec.search !== undefined) {
        const { sweep } = await sweeps.submit(spec, options)
        return { kind: 'sweep', id: sweep.id, jobId: sweep.jobId, notes }
      }
      const { job } = await jobs.submit(spec, options)
      return { kind: 'job', id: job.id, jobId: job.id, notes }
    },
    cancel: async (id) => void (await jobs.cancel(id, 'cancelled from kiln dash')),
    promote: async (endpoint, variant) => void (await endpoints.promote(endpoint, variant)),
    rollback: async (endpoint) => void (await endpoints.rollback(endpoint)),
    approve: async (ref) => void (await models.decide(ref, 'approve', 'approved in kiln dash')),
    alias: async (ref, alias) => void (await models.alias(ref, alias)),
  }
}
