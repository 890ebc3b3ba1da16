// The pipeline engine: a run's state, rebuilt from its events, and what may happen next.
// Pure (no I/O, no clock): the coordinator logs each event before acting on it, so a new
// leader replays the log into the same engine and carries on; no step that finished runs
// again, and a step under way is resumed under the same attempt.
import { PipelineReplayError } from './errors.js'
import type { PipelineEvent } from './events.js'
import type { PipelinePlan, PlannedStep } from './plan.js'
import { substitute } from './references.js'

/** Where one step is. */
export const StepState = {
  pending: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  /** Ran, and its result stopped the pipeline (a condition, a validation). */
  stopped: 'stopped',
  failed: 'failed',
  /** Never ran: something it depends on failed or stopped the pipeline. */
  skipped: 'skipped',
  cancelled: 'cancelled',
} as const
export type StepState = (typeof StepState)[keyof typeof StepState]

/** Where a run is. */
export const PipelineState = {
  running: 'running',
  succeeded: 'succeeded',
  /** A condition or validation step stopped it. */
  stopped: 'stopped',
  failed: 'failed',
  cancelled: 'cancelled',
} as const
export type PipelineState = (typeof PipelineState)[keyof typeof PipelineState]

/** One step's state in a run. */
export interface StepStatus {
  name: string
  kind: PlannedStep['kind']
  state: StepState
  /** Tries so far (0 until it first starts). */
  attempts: number
  /** Its outputs came from an earlier run's step with the same cache key. */
  cached: boolean
  cachedFrom?: { run: string; step: string }
  key?: string
  inputs?: Record<string, unknown>
  outputs?: Record<string, unknown>
  error?: string
  reason?: string
  startedAt?: number
  endedAt?: number
}

const DONE: readonly StepState[] = ['succeeded', 'stopped', 'failed', 'skipped', 'cancelled']

export class PipelineEngine {
  private readonly steps = new Map<string, StepStatus>()
  private cancelled: string | undefined
  private readonly log: PipelineEvent[] = []

  constructor(readonly plan: PipelinePlan) {
    for (const s of plan.steps)
      this.steps.set(s.name, { name: s.name, kind: s.kind, state: 'pending', attempts: 0, cached: false })
  }

  /** An engine that has seen `events` (a run's log). */
  static replay(plan: PipelinePlan, events: readonly PipelineEvent[]): PipelineEngine {
    const engine = new PipelineEngine(plan)
    for (const e of events) engine.apply(e)
    return engine
  }

  /** Every event applied, in order. */
  events(): readonly PipelineEvent[] {
    return this.log
  }

  private planned(name: string): PlannedStep {
    const s = this.plan.steps.find((p) => p.name === name)
    if (!s) throw new PipelineReplayError(`event for step "${name}", which the plan does not have`)
    return s
  }

  private status(name: string): StepStatus {
    this.planned(name)
    return this.steps.get(name)!
  }

  /** Applies one event; a PipelineReplayError (nothing changed) when it does not fit the state. */
  apply(e: PipelineEvent): void {
    const expect = (s: StepStatus, states: StepState[]) => {
      if (!states.includes(s.state))
        throw new PipelineReplayError(`${e.type} for step "${s.name}", which is ${s.state}`)
    }
    switch (e.type) {
      case 'started': {
        const s = this.status(e.step)
        expect(s, ['pending'])
        if (e.attempt !== s.attempts + 1)
          throw new PipelineReplayError(`attempt ${e.attempt} of step "${s.name}" after ${s.attempts}`)
        Object.assign(s, {
          state: 'running',
          attempts: e.attempt,
          key: e.key,
          inputs: e.inputs,
          startedAt: e.at,
          cached: false,
        })
        delete s.error
        delete s.endedAt
        break
      }
      case 'cached': {
        const s = this.status(e.step)
        expect(s, ['pending'])
        Object.assign(s, {
          state: 'succeeded',
          cached: true,
          cachedFrom: e.from,
          key: e.key,
          inputs: e.inputs,
          outputs: e.outputs,
          startedAt: e.at,
          endedAt: e.at,
        })
        break
      }
      case 'succeeded':
      case 'stopped': {
        const s = this.status(e.step)
        expect(s, ['running'])
        Object.assign(s, { state: e.type, outputs: e.outputs, endedAt: e.at })
        if (e.type === 'stopped') s.reason = e.reason
        break
      }
      case 'failed': {
        const s = this.status(e.step)
        expect(s, ['running'])
        if (e.attempt !== s.attempts)
          throw new PipelineReplayError(`failure of attempt ${e.attempt} of "${s.name}", which is on ${s.attempts}`)
        s.error = e.error
        s.endedAt = e.at
        // Retries left: back to pending, to start again as the next attempt.
        s.state = s.attempts <= this.planned(s.name).retries ? 'pending' : 'failed'
        break
      }
      case 'cancelled':
        this.cancelled = e.reason
        for (const s of this.steps.values()) if (s.state === 'pending' || s.state === 'running') s.state = 'cancelled'
        break
      case 'retried':
        this.cancelled = undefined
        for (const s of this.steps.values())
          if (s.state !== 'succeeded') Object.assign(s, { state: 'pending', attempts: 0, cached: false })
        break
    }
    this.log.push(e)
  }

  /** The steps that may start now, in plan order: nothing has stopped or failed the run, and their dependencies succeeded. */
  ready(): PlannedStep[] {
    if (this.halted()) return []
    return this.plan.steps.filter((p) => {
      const s = this.steps.get(p.name)!
      return s.state === 'pending' && p.deps.every((d) => this.steps.get(d)!.state === 'succeeded')
    })
  }

  /** Steps under way (started, not ended): what a new leader resumes. */
  running(): StepStatus[] {
    return [...this.steps.values()].filter((s) => s.state === 'running')
  }

  // A failure with no retries left, a stop or a cancel: nothing new starts.
  private halted(): boolean {
    return (
      this.cancelled !== undefined ||
      [...this.steps.values()].some((s) => s.state === 'failed' || s.state === 'stopped')
    )
  }

  /** A step's fields with references to other steps replaced by their outputs. */
  inputsOf(step: PlannedStep): Record<string, unknown> {
    return substitute(step.config, (r) =>
      r.kind === 'step' ? this.steps.get(r.step)?.outputs?.[r.output] : undefined,
    ) as Record<string, unknown>
  }

  /** The run's state: running while any step runs or can still start. */
  state(): PipelineState {
    if (this.cancelled !== undefined) return this.running().length > 0 ? 'running' : 'cancelled'
    const all = [...this.steps.values()]
    if (all.some((s) => s.state === 'running')) return 'running'
    if (all.some((s) => s.state === 'failed')) return 'failed'
    if (all.some((s) => s.state === 'stopped')) return 'stopped'
    if (all.every((s) => s.state === 'succeeded')) return 'succeeded'
    return this.ready().length > 0 || all.some((s) => s.state === 'pending') ? 'running' : 'failed'
  }

  /** Every step's status, in plan order; pending steps of an ended run show as skipped. */
  statuses(): StepStatus[] {
    const ended = this.state() !== 'running'
    return this.plan.steps.map((p) => {
      const s = { ...this.steps.get(p.name)! }
      if (ended && s.state === 'pending') s.state = this.cancelled !== undefined ? 'cancelled' : 'skipped'
      return s
    })
  }

  /** Why the run ended, in words (undefined while it runs or when it succeeded). */
  endReason(): string | undefined {
    const state = this.state()
    if (state === 'cancelled') return this.cancelled
    const all = [...this.steps.values()]
    if (state === 'failed') {
      const f = all.find((s) => s.state === 'failed')
      return f
        ? `step ${f.name} failed after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.error}`
        : undefined
    }
    if (state === 'stopped') {
      const s = all.find((x) => x.state === 'stopped')!
      return `stopped at step ${s.name}: ${s.reason}`
    }
    return undefined
  }

  /** Whether a step has ended (in any way). */
  isDone(name: string): boolean {
    return DONE.includes(this.status(name).state)
  }
}
