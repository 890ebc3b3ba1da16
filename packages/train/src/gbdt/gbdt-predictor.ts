// A gbdt model (gbdt.json) as a Predictor: rows in, class probabilities (or values) out,
// natively and off the event loop, so it can be an ensemble's member and be served alike.
import type { Predictor, PredictorKind } from '../ensemble/predictor.js'
import { GBDT_JSON, parseGbdtModel, type GbdtModel } from './gbdt-model.js'

/** Wraps a loaded gbdt model. */
export function gbdtPredictor(model: GbdtModel): Predictor {
  return {
    sampleShape: model.info.sampleShape,
    outputs: model.outputs,
    acceptsMissing: true,
    predict: (x, rows) => model.predictAsync(x.subarray(0, rows * model.info.numFeatures)),
    dispose: () => model.dispose(),
  }
}

/** The gbdt kind: files with a gbdt.json. */
export const gbdtKind: PredictorKind = async (files, where) => {
  const bytes = files.get(GBDT_JSON)
  return bytes ? gbdtPredictor(parseGbdtModel(bytes, `${where}/${GBDT_JSON}`)) : undefined
}
