import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/**
 * A run's event log does not fit its plan or its own order (a step that ends before it
 * starts, a step the plan lacks). Nothing was changed.
 */
export class PipelineReplayError extends KilnError {
  override name = 'PipelineReplayError'
  constructor(problem: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.conflict, `pipeline replay: ${problem}`, { ...options, data: { ...options.data, problem } })
  }
}
registerError('PipelineReplayError', PipelineReplayError)
