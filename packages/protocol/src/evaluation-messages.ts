// A model's evaluation on held-out data: what a trial reports with its result, what a model
// version keeps, and what kiln-model.json holds. Computed by @kiln/train (evaluation/), read
// by the CLI, the dashboard and reports. Plain numbers and arrays, so it travels in msgpack
// and JSON alike.
import { z } from 'zod'
import { count } from './fields.js'
import { expecting } from './schema-kit.js'

/** The widest confusion matrix kept (classes²): a 1000-class one would outgrow a trial record. */
export const MAX_CONFUSION_CLASSES = 100
/** Per-class figures are kept for at most this many classes. */
export const MAX_EVALUATED_CLASSES = 1000

const num = z.number(expecting('a finite number')).finite()
// A per-class figure that is undefined for that class (ROC-AUC of a class with no positives).
const maybe = num.nullable()
const perClass = (what: string, item: z.ZodTypeAny) =>
  z.array(item, expecting(`a list of per-class ${what}`)).max(MAX_EVALUATED_CLASSES)

const average = z.object({ precision: num, recall: num, f1: num }, expecting('an average ({precision, recall, f1})'))

/** Classification: every figure scikit-learn's metrics module would give for the same predictions. */
export const ClassificationEvaluationSchema = z.object(
  {
    task: z.literal('classification', expecting('"classification"')),
    /** Samples evaluated. */
    count,
    numClasses: z.number(expecting('an integer >= 1')).int().min(1),
    classNames: perClass('names', z.string(expecting('a class name')).max(256)).optional(),
    accuracy: num,
    /** Cross-entropy of the predicted probabilities (clipped to [eps, 1-eps], rows renormalized). */
    logLoss: num.optional(),
    /** Share of samples whose class is among the k highest scores. */
    topK: z.object({ k: count, accuracy: num }, expecting('a top-k accuracy ({k, accuracy})')).optional(),
    perClass: z.object(
      {
        precision: perClass('precisions', num),
        recall: perClass('recalls', num),
        f1: perClass('F1 scores', num),
        support: perClass('supports', count),
        /** One-vs-rest ROC-AUC per class; null where the class has no positives or no negatives. */
        rocAuc: perClass('ROC-AUCs', maybe).optional(),
        /** One-vs-rest average precision (PR-AUC) per class; null where the class has no positives. */
        prAuc: perClass('PR-AUCs', maybe).optional(),
      },
      expecting('per-class figures ({precision, recall, f1, support, rocAuc?, prAuc?})'),
    ),
    /** Unweighted mean over the classes present in the labels or the predictions. */
    macro: average,
    /** Mean weighted by each class's support. */
    weighted: average,
    /** Binary: of the positive class (1); multiclass: one-vs-rest, macro and support-weighted. */
    rocAuc: z.object({ macro: num, weighted: num }, expecting('ROC-AUC averages ({macro, weighted})')).optional(),
    prAuc: z.object({ macro: num, weighted: num }, expecting('PR-AUC averages ({macro, weighted})')).optional(),
    /** confusion[true][predicted]; absent beyond MAX_CONFUSION_CLASSES classes. */
    confusion: z
      .array(z.array(count, expecting('a row of counts')), expecting('a confusion matrix (rows of counts)'))
      .max(MAX_CONFUSION_CLASSES)
      .optional(),
  },
  expecting('a classification evaluation'),
)
export type ClassificationEvaluation = z.infer<typeof ClassificationEvaluationSchema>

/** Regression: errors of predicted against true values. */
export const RegressionEvaluationSchema = z.object(
  {
    task: z.literal('regression', expecting('"regression"')),
    count,
    mae: num,
    rmse: num,
    /** Coefficient of determination (1 is perfect; 0 predicts the mean; can be negative). */
    r2: num,
  },
  expecting('a regression evaluation ({task, count, mae, rmse, r2})'),
)
export type RegressionEvaluation = z.infer<typeof RegressionEvaluationSchema>

/** Either kind, told apart by `task`. */
export const EvaluationSchema = z.discriminatedUnion(
  'task',
  [ClassificationEvaluationSchema, RegressionEvaluationSchema],
  {
    errorMap: () => ({ message: 'an evaluation with task "classification" or "regression"' }),
  },
)
export type Evaluation = z.infer<typeof EvaluationSchema>
