// Models trained with a `preprocessing:` section take raw features at the gateway: the fitted
// statistics saved in kiln-model.json map each request's rows to the model's features before
// batching, so a client sends what its CSV holds (categories as their index in the model
// metadata's category list, NaN for a missing value) and never re-implements the scaling.
import { applyPreprocessing } from '@kiln/data'
import type { KilnModelMetadata } from '@kiln/train'
import type { ModelSignature } from '@kiln/train/model-format'
import type { WireTensor } from '../worker/messages.js'

/** The signature served: its single input made the raw features the preprocessing takes. */
export function rawInputSignature(signature: ModelSignature, metadata: KilnModelMetadata | undefined): ModelSignature {
  const fitted = metadata?.preprocessing
  if (!fitted || signature.inputs.length !== 1) return signature
  return { ...signature, inputs: [{ ...signature.inputs[0]!, shape: [-1, ...fitted.input.sampleShape] }] }
}

/** The model's input tensors for bound raw inputs (unchanged for models without preprocessing). */
export function modelInputs(metadata: KilnModelMetadata | undefined, inputs: WireTensor[]): WireTensor[] {
  const fitted = metadata?.preprocessing
  if (!fitted || inputs.length !== 1) return inputs
  const rows = inputs[0]!.shape[0]!
  return [{ shape: [rows, ...fitted.output.sampleShape], data: applyPreprocessing(fitted, inputs[0]!.data, rows) }]
}
