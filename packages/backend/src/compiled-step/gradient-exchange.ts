// How a data-parallel optimizer joins a compiled step: the step runs forward and loss at
// once (fit needs the loss back synchronously), then backward on a worker thread into the
// exchange's gradient arrays, telling it as each parameter's gradient is final; the
// exchange averages them over the ranks meanwhile and runs the update (the wrapped
// optimizer's native one) once every average is in, before the next batch.

/** One parameter as the exchange sees it. */
export interface ExchangeVariable {
  readonly name: string
  readonly shape: number[]
  readonly size: number
  readonly dtype: string
}

/** One step's exchange. */
export interface ExchangeStep {
  /** Where backward writes each parameter's gradient (parameter order). */
  readonly grads: Float32Array[]
  /** Parameter p's gradient is final (called on the JS thread, last layer first). */
  ready(param: number): void
  /** backward settles once every gradient is written; update applies the averages (call it once). */
  run(backward: Promise<void>, update: () => void): void
}

/** What the optimizer passed to model.compile offers when it averages over ranks. */
export interface GradientExchange {
  /** The wrapped optimizer: its update is the step's (it must be one that compiles). */
  readonly inner: unknown
  /** Starts a step over `vars` (parameter order). */
  startExchange(vars: readonly ExchangeVariable[]): ExchangeStep
}

/** `o` as a gradient exchange, or undefined when it is a plain optimizer. */
export function gradientExchangeOf(o: unknown): GradientExchange | undefined {
  const e = o as Partial<GradientExchange> | undefined
  return e && typeof e.startExchange === 'function' && e.inner !== undefined ? (e as GradientExchange) : undefined
}
