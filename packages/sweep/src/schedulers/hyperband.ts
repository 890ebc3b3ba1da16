// Synchronous Hyperband, run as Ray Tune does it: trials join brackets in the order of
// hyperbandBrackets() (a new round starts when the last bracket is full); a trial reaching
// its rung's milestone pauses until every trial of its bracket promoted to that rung has
// recorded there (or left), then the best floor(n / eta) go on (resumed through the
// engine's next()) and the rest stop. Trials that ended before a rung drop out of its
// selection. A bracket that cannot fill (maxTrials reached) is closed and selects among the
// trials it has. Trials stop at maxT.
import type { JsonValue } from '../json.js'
import { isLive, type TrialRecord } from '../trial.js'
import { hyperbandBrackets, keepCount, type BracketPlan, type HyperbandOptions } from './hyperband-plan.js'
import {
  CONTINUE,
  finished,
  stop,
  type Outcome,
  type Scheduler,
  type SchedulerContext,
  type SideEffects,
} from './scheduler.js'

interface Bracket {
  plan: number
  members: string[]
  /** Per rung: scores recorded there by trial id. */
  recorded: Record<string, number>[]
  resolved: boolean[]
  closed: boolean
}

interface HyperbandState {
  brackets: Bracket[]
  bracketOf: Record<string, number>
  /** How many rungs each trial has passed (the index of the rung it is working toward). */
  rung: Record<string, number>
  nextPlan: number
}

const EPS = 1e-9

/** The Hyperband scheduler. */
export class HyperbandScheduler implements Scheduler {
  private readonly plans: BracketPlan[]
  private readonly s: HyperbandState

  constructor(
    private readonly options: HyperbandOptions,
    state?: JsonValue,
  ) {
    this.plans = hyperbandBrackets(options)
    this.s = (state as unknown as HyperbandState | undefined) ?? { brackets: [], bracketOf: {}, rung: {}, nextPlan: 0 }
  }

  onStart(trial: TrialRecord): void {
    let b = this.s.brackets[this.s.brackets.length - 1]
    if (b === undefined || b.closed) {
      const plan = this.s.nextPlan++ % this.plans.length
      const rungs = this.plans[plan]!.milestones.length
      b = {
        plan,
        members: [],
        recorded: Array.from({ length: rungs }, () => ({})),
        resolved: new Array<boolean>(rungs).fill(false),
        closed: false,
      }
      this.s.brackets.push(b)
    }
    b.members.push(trial.id)
    b.closed = b.members.length >= this.plans[b.plan]!.n
    this.s.bracketOf[trial.id] = this.s.brackets.length - 1
    this.s.rung[trial.id] = 0
  }

  onResult(trial: TrialRecord, t: number, score: number, ctx: SchedulerContext): Outcome {
    if (t >= this.options.maxT - EPS) return { decision: finished(`reached maxT (${this.options.maxT})`) }
    const b = this.s.brackets[this.s.bracketOf[trial.id]!]!
    const plan = this.plans[b.plan]!
    const k = this.s.rung[trial.id]!
    if (k >= plan.s || t < plan.milestones[k]! - EPS) return { decision: CONTINUE }
    b.recorded[k]![trial.id] = score
    const effects = this.resolve(b, k, ctx, trial.id)
    if (effects === undefined) {
      const waiting = `waiting at rung t=${plan.milestones[k]} of bracket s=${plan.s} (${Object.keys(b.recorded[k]!).length} of ${b.members.length} trials recorded)`
      return { decision: { action: 'pause', reason: waiting } }
    }
    const kept = this.s.rung[trial.id]! > k
    const decision = kept
      ? CONTINUE
      : stop(`not in the top 1/${this.options.reductionFactor} at rung t=${plan.milestones[k]} of bracket s=${plan.s}`)
    return { decision, ...effects }
  }

  onEnd(trial: TrialRecord, ctx: SchedulerContext): SideEffects {
    const index = this.s.bracketOf[trial.id]
    return index === undefined ? {} : this.resolveAll(this.s.brackets[index]!, ctx)
  }

  onClose(ctx: SchedulerContext): SideEffects {
    const all: SideEffects = { resume: [], stop: [] }
    for (const b of this.s.brackets) {
      if (b.closed) continue
      b.closed = true
      const e = this.resolveAll(b, ctx)
      all.resume!.push(...(e.resume ?? []))
      all.stop!.push(...(e.stop ?? []))
    }
    return all
  }

  rungOf(trialId: string): number | undefined {
    return this.s.rung[trialId]
  }

  state(): JsonValue {
    return this.s as unknown as JsonValue
  }

  private resolveAll(b: Bracket, ctx: SchedulerContext): SideEffects {
    const all: SideEffects = { resume: [], stop: [] }
    for (let k = 0; k < b.recorded.length - 1; k++) {
      const e = this.resolve(b, k, ctx)
      all.resume!.push(...(e?.resume ?? []))
      all.stop!.push(...(e?.stop ?? []))
    }
    return all
  }

  // Selects at rung k once nobody promoted to it is still on the way; undefined while
  // someone is. `current` is the trial reporting now (running, so neither resumed nor stopped
  // here: its own decision says what it does).
  private resolve(b: Bracket, k: number, ctx: SchedulerContext, current?: string): SideEffects | undefined {
    // Until rung k-1 has chosen, nobody knows who is promoted to rung k.
    if (b.resolved[k] || !b.closed || (k > 0 && !b.resolved[k - 1])) return undefined
    const promoted = b.members.filter((id) => this.s.rung[id]! >= k && isLive(ctx.trials.get(id)!))
    if (promoted.some((id) => !(id in b.recorded[k]!))) return undefined
    b.resolved[k] = true
    const ranked = promoted.sort(
      (x, y) => b.recorded[k]![y]! - b.recorded[k]![x]! || b.members.indexOf(x) - b.members.indexOf(y),
    )
    const kept = ranked.slice(0, keepCount(ranked.length, this.options.reductionFactor))
    for (const id of kept) this.s.rung[id] = k + 1
    const others = (ids: string[]) => ids.filter((id) => id !== current)
    return { resume: others(kept), stop: others(ranked.slice(kept.length)) }
  }
}
