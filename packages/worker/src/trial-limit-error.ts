import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/** Why a trial's process was killed: over its memory or time limit (spec `resources`). */
export const TrialLimit = { memory: 'memory', time: 'time' } as const
export type TrialLimit = (typeof TrialLimit)[keyof typeof TrialLimit]

/**
 * A trial killed for a limit of its spec: `resource_exhausted` (memory) or `timeout` (time),
 * with `data.limit` saying which; the message is what the trial record shows.
 */
export class TrialLimitError extends KilnError {
  override name = 'TrialLimitError'
  constructor(limit: TrialLimit, message: string, options: KilnErrorOptions = {}) {
    super(limit === TrialLimit.memory ? 'resource_exhausted' : ErrorCode.timeout, message, {
      ...options,
      data: { ...options.data, limit },
    })
  }
}
registerError('TrialLimitError', TrialLimitError)
