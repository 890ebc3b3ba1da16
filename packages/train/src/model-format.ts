// The parts of Kiln's model format that readers need without TF.js: the kiln-model.json
// format tag and the model signature. Importable as `@kiln/train/model-format` (nothing here
// loads tfjs or the addon), so the gateway's main thread can read model metadata cheaply.
//
// A signature names a model's tensors the way Kiln chooses, not the way TF.js names layers
// (`flatten_Flatten18_input` differs between two trainings of one spec): one input is
// "input", one output "output"; several are "input_0", "input_1", ... Two versions with the
// same signature are interchangeable behind one endpoint.

/** The `format` of kiln-model.json; bumped when a reader would misread a newer file. */
export const MODEL_FORMAT = 'kiln-model/1'

/** One tensor of a signature. Shapes have -1 for the batch (and any other free) dimension. */
export interface TensorSignature {
  name: string
  datatype: 'FP32'
  shape: number[]
  /** For a classifier's output: the class of each index along the last dimension. */
  classNames?: string[]
}

/** A model's inputs and outputs, stored in kiln-model.json as `signature`. */
export interface ModelSignature {
  inputs: TensorSignature[]
  outputs: TensorSignature[]
}

/** Kiln's name of tensor `i` of `n` (`kind` input or output). */
export function tensorName(kind: 'input' | 'output', i: number, n: number): string {
  return n === 1 ? kind : `${kind}_${i}`
}

/**
 * The signature of a model with these input and output shapes (null or -1: free); class
 * names go to the one output whose last dimension has as many entries.
 */
export function signatureOf(
  inputs: readonly { shape: readonly (number | null)[] }[],
  outputs: readonly { shape: readonly (number | null)[] }[],
  classNames?: readonly string[],
): ModelSignature {
  const dims = (shape: readonly (number | null)[]) => shape.map((d) => (d === null || d < 0 ? -1 : d))
  return {
    inputs: inputs.map((t, i) => ({
      name: tensorName('input', i, inputs.length),
      datatype: 'FP32',
      shape: dims(t.shape),
    })),
    outputs: outputs.map((t, i) => {
      const shape = dims(t.shape)
      const classes = outputs.length === 1 && classNames?.length && shape.at(-1) === classNames.length
      return {
        name: tensorName('output', i, outputs.length),
        datatype: 'FP32',
        shape,
        ...(classes ? { classNames: [...classNames] } : {}),
      }
    }),
  }
}
