// Model evaluation without tfjs: usable by the CLI, reports and other model kinds.
export { evaluateClassification } from './classification.js'
export type { ClassificationInput } from './classification.js'
export { evaluateRegression } from './regression.js'
export { evaluationMetrics } from './flat.js'
export { toProbabilities, argmaxRows } from './probabilities.js'
