import { ErrorCode, KilnError, registerError, type KilnErrorOptions } from '@kiln/protocol'

/** One thing wrong with a job spec, as `field: expected X, got Y`. */
export interface SpecProblem {
  /** Dotted path into the spec (`training.batchSize`, `model.hidden[1]`); empty for the root. */
  field: string
  /** The whole line a person reads, field included. */
  message: string
}

/**
 * A job spec (file, `--set` override or sweep trial) is not valid. The message lists every
 * problem, one per line, so a user fixes them all in one go; `data.problems` has the same
 * for programs.
 */
export class SpecError extends KilnError {
  override name = 'SpecError'
  readonly problems: SpecProblem[]

  /** `what` names the kind of document (default "job spec"; "pipeline", "data schema", ...). */
  constructor(source: string, problems: SpecProblem[], options: KilnErrorOptions & { what?: string } = {}) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`
    const lines = problems.map((p) => `  - ${p.message}`).join('\n')
    super(ErrorCode.invalidArgument, `${source}: invalid ${options.what ?? 'job spec'} (${head}):\n${lines}`, {
      ...options,
      data: { ...options.data, source, problems },
    })
    this.problems = problems
  }
}
registerError('SpecError', SpecError)

/** A trial script could not be loaded, or did not hold up its side (export, returned model). */
export class TrialScriptError extends KilnError {
  override name = 'TrialScriptError'
  constructor(script: string, problem: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.invalidArgument, `${script}: ${problem}`, {
      ...options,
      data: { ...options.data, script, problem },
    })
  }
}
registerError('TrialScriptError', TrialScriptError)

/** A model directory is missing a file or holds something that is not the Kiln/TF.js format. */
export class ModelFormatError extends KilnError {
  override name = 'ModelFormatError'
  constructor(path: string, problem: string, options: KilnErrorOptions = {}) {
    super(ErrorCode.invalidArgument, `${path}: ${problem}`, { ...options, data: { ...options.data, path, problem } })
  }
}
registerError('ModelFormatError', ModelFormatError)

/** Training was stopped through its AbortSignal; nothing was saved. */
export class TrainingAbortedError extends KilnError {
  override name = 'TrainingAbortedError'
  /** `where` (0-based) is the last batch that ran, when the stop came during fit(). */
  constructor(where?: { epoch: number; batch: number }, options: KilnErrorOptions = {}) {
    const at = where ? ` after epoch ${where.epoch + 1}, batch ${where.batch + 1}` : ''
    super(ErrorCode.cancelled, `training stopped${at}; no model was saved`, {
      ...options,
      data: { ...options.data, ...where },
    })
  }
}
registerError('TrainingAbortedError', TrainingAbortedError)
