// The model kinds an ensemble's members may be, in the order they are tried. A new model
// kind that predicts rows (gbdt.json, say) joins here to be ensembled and served as a member.
import { gbdtKind } from '../gbdt/gbdt-predictor.js'
import { withOwnPreprocessing } from './own-preprocessing.js'
import type { PredictorKind } from './predictor.js'
import { tfjsKind } from './tfjs-predictor.js'
import { ensembleKind } from './ensemble-model.js'

/**
 * Kinds a member may be: anything that predicts rows, except another ensemble. Each takes raw
 * rows: a model trained with preprocessing applies its own saved steps first.
 */
export const MEMBER_KINDS: readonly PredictorKind[] = [gbdtKind, tfjsKind].map(withOwnPreprocessing)

/** Kinds a served model may be: an ensemble (of MEMBER_KINDS) or a member kind itself. */
export const MODEL_KINDS: readonly PredictorKind[] = [ensembleKind(MEMBER_KINDS), ...MEMBER_KINDS]
