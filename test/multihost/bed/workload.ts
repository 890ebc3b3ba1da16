// What the user does on the laptop, and what the test reads back, for the multi-host
// tests: a small dataset and specs written on the laptop and submitted with the kiln CLI
// (which stores the dataset in the cluster: the worker hosts share no files with it), and
// the operator's view of jobs, trials, nodes and reported epochs.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { JobsClient, SweepsClient, trialMetrics } from '@kiln/client'
import type { JobRecord, SweepRecord, TrialRecord } from '@kiln/protocol'
import { writeNpyBlobs } from '../../train/synthetic.js'
import { waitFor } from '../../helpers/wait-for.js'
import type { Testbed } from './testbed.js'

const ENDED = ['succeeded', 'failed', 'cancelled']

/** Writes the blobs dataset (x.npy, y.npy) into the laptop's home; returns its path. */
export function laptopDataset(bed: Testbed, count = 3000, features = 16, classes = 4): string {
  return writeNpyBlobs(bed.host('laptop').root, count, [features], classes, 7)
}

/** A small MLP job spec on the laptop's dataset (JSON is YAML); `more` overrides fields. */
export function laptopSpec(bed: Testbed, name: string, dataset: string, more: Record<string, unknown> = {}): string {
  const spec = {
    name,
    dataset,
    model: { builtin: 'mlp', hidden: [16] },
    optimizer: { name: 'adam', learningRate: 0.01 },
    training: { epochs: 3, batchSize: 32, validationSplit: 0.1, testSplit: 0.1, seed: 3 },
    metric: { name: 'val_accuracy', mode: 'max' },
    ...more,
  }
  const file = join(bed.host('laptop').root, `${name}.yaml`)
  writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`)
  return file
}

/** `kiln <command> SPEC --json` on the laptop; the JSON it printed, or a failure with its output. */
export async function kilnJson<T>(bed: Testbed, args: string[]): Promise<T> {
  const r = await bed.kiln([...args, '--json'])
  if (r.code !== 0) throw new Error(`kiln ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T
}

/** Submits a job spec from the laptop; the job it created. */
export async function submitJob(bed: Testbed, spec: string): Promise<JobRecord> {
  return (await kilnJson<{ job: JobRecord }>(bed, ['submit', spec])).job
}

/** Launches a sweep spec from the laptop; the sweep it created. */
export async function launchSweep(bed: Testbed, spec: string): Promise<SweepRecord> {
  return (await kilnJson<{ sweep: SweepRecord }>(bed, ['sweep', spec])).sweep
}

/** The operator's view of the cluster over one client connection. */
export class View {
  readonly jobs: JobsClient
  readonly sweeps: SweepsClient
  constructor(readonly nc: NatsConnection) {
    this.jobs = new JobsClient(nc)
    this.sweeps = new SweepsClient(nc)
  }

  /** Node id → the host (node name) it runs on. */
  async hostsOfNodes(): Promise<Map<string, string>> {
    return new Map((await this.jobs.nodes()).map((n) => [n.nodeId, n.name]))
  }

  async trial(id: string): Promise<TrialRecord | undefined> {
    return (await this.jobs.show(id).catch(() => undefined))?.trial
  }

  /** Waits until the job ended; its record. */
  jobEnded(id: string, timeoutMs: number): Promise<JobRecord> {
    return waitFor(
      `job ${id} to end`,
      async () => {
        const j = (await this.jobs.show(id).catch(() => undefined))?.job
        return j && ENDED.includes(j.state) ? j : undefined
      },
      timeoutMs,
      500,
    )
  }

  /** Waits until the sweep ended; its record. */
  sweepEnded(id: string, timeoutMs: number): Promise<SweepRecord> {
    return waitFor(
      `sweep ${id} to end`,
      async () => {
        const s = (await this.sweeps.show(id).catch(() => undefined))?.sweep
        return s && ENDED.includes(s.state) ? s : undefined
      },
      timeoutMs,
      500,
    )
  }

  /** Every epoch the trial reported, in the order KILN_METRICS holds them. */
  async reportedEpochs(trialId: string): Promise<number[]> {
    const epochs: number[] = []
    for await (const m of trialMetrics(this.nc, trialId)) epochs.push(m.epoch)
    return epochs
  }
}

/** Whether each epoch was reported once, in order: nothing trained twice or lost. */
export function onceEach(epochs: number[], last: number): boolean {
  return epochs.length === last && epochs.every((e, i) => e === i + 1)
}
