import type { JsonValue } from '../json.js'
import { CONTINUE, type Outcome, type Scheduler } from './scheduler.js'

/** Runs every trial to its end: no early stopping. */
export class FifoScheduler implements Scheduler {
  onStart(): void {}

  onResult(): Outcome {
    return { decision: CONTINUE }
  }

  state(): JsonValue {
    return null
  }
}
