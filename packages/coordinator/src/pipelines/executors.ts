// Which executor carries out which kind of step.
import type { StepKindName } from '@kiln/pipeline'
import { importStep, splitStep, transformStep, validateStep } from './data-steps.js'
import { deployStep } from './deploy-step.js'
import { conditionStep, evaluateStep, registerStep } from './model-steps.js'
import { scoreStep } from './score-step.js'
import type { StepExecutor } from './step-executor.js'
import { sweepStep, trainStep } from './training-steps.js'

/** The executor of a step of `kind` named `step`. */
export function executorFor(kind: StepKindName, step: string): StepExecutor {
  switch (kind) {
    case 'import':
      return importStep
    case 'transform':
      return transformStep
    case 'validate':
      return validateStep
    case 'split':
      return splitStep
    case 'train':
      return trainStep(step)
    case 'sweep':
      return sweepStep(step)
    case 'evaluate':
      return evaluateStep
    case 'condition':
      return conditionStep
    case 'register':
      return registerStep
    case 'score':
      return scoreStep
    case 'deploy':
      return deployStep
  }
}
