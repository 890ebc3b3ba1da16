import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/**
 * The `search:` section of a spec is not valid. The message lists every problem, one per
 * line, as `search.<path>: expected X, got Y`; `data.problems` has the same lines.
 */
export class SearchSpecError extends KilnError {
  override name = 'SearchSpecError'
  readonly problems: string[]

  constructor(problems: string[], options: KilnErrorOptions = {}) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`
    super(
      ErrorCode.invalidArgument,
      `invalid search section (${head}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        ...options,
        data: { ...options.data, problems },
      },
    )
    this.problems = problems
  }
}
registerError('SearchSpecError', SearchSpecError)

/**
 * An event log or snapshot does not fit the engine it is fed to: a different spec or seed,
 * events out of order, or a trial the log never started. Nothing was changed.
 */
export class SweepReplayError extends KilnError {
  override name = 'SweepReplayError'
  constructor(problem: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.conflict, `sweep replay: ${problem}`, { ...options, data: { ...options.data, problem } })
  }
}
registerError('SweepReplayError', SweepReplayError)
