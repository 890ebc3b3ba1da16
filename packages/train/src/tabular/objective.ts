// What a tabular model (gbdt, linear) predicts, from the spec's objective and the data.
import { ValidationError } from '@kiln/protocol'
import type { TabularObjective } from '../model-spec.js'

/** A resolved objective: auto becomes one of these. */
export type TabularObjectiveName = 'binary' | 'multiclass' | 'regression'

/** The objective a spec asks for, checked against the data's classes. */
export function resolveObjective(
  objective: TabularObjective,
  numClasses: number,
  regressionData = false,
): TabularObjectiveName {
  if (objective === 'regression' || (objective === 'auto' && regressionData)) return 'regression'
  if (regressionData)
    throw new ValidationError('model.objective', 'regression or auto (the dataset holds regression targets)', {
      got: objective,
    })
  if (numClasses < 2)
    throw new ValidationError('model.objective', 'a dataset with at least 2 classes for a classifier', {
      got: `${numClasses} class`,
    })
  if (objective === 'auto') return numClasses === 2 ? 'binary' : 'multiclass'
  if (objective === 'binary' && numClasses !== 2)
    throw new ValidationError('model.objective', 'multiclass (the dataset has more than 2 classes)', {
      got: `binary for ${numClasses} classes`,
    })
  if (objective === 'multiclass' && numClasses === 2)
    throw new ValidationError('model.objective', 'binary (the dataset has 2 classes)', { got: 'multiclass' })
  return objective
}
