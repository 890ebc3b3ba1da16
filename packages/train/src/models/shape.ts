/** What a builtin model needs to know about the data it will see. */
export interface ModelShape {
  /** Shape of one input sample, e.g. [28, 28, 1]. */
  sampleShape: readonly number[]
  numClasses: number
  /** softmax for one class per sample, sigmoid when each output is scored on its own. */
  outputActivation: 'softmax' | 'sigmoid'
}
