// The signature a loaded model version serves, and whether two signatures are
// interchangeable behind one endpoint. Names are Kiln's ("input", "output", ...), never
// TF.js' layer names, so versions trained separately answer the same requests.
import type { KilnModelMetadata } from '@kiln/train'
import { signatureOf, type ModelSignature, type TensorSignature } from '@kiln/train/model-format'

/** Tensor shapes of a loaded model (-1: free), as an inference thread reports them. */
export interface LoadedShapes {
  inputs: { shape: number[] }[]
  outputs: { shape: number[] }[]
}

const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((d, i) => d === b[i])
const text = (shape: readonly number[]) => `[${shape.join(',')}]`

/**
 * kiln-model.json's signature when it has one (checked against the model), else one derived
 * from the model's shapes with Kiln's names and the training data's class names. Throws a
 * plain Error naming what does not match.
 */
export function servedSignature(loaded: LoadedShapes, metadata: KilnModelMetadata | undefined): ModelSignature {
  const derived = signatureOf(loaded.inputs, loaded.outputs, metadata?.dataset?.classNames)
  const stored = metadata?.signature
  if (!stored) return derived
  const check = (kind: 'inputs' | 'outputs') => {
    if (stored[kind]?.length !== derived[kind].length)
      throw new Error(
        `kiln-model.json signature.${kind}: expected ${derived[kind].length} (as model.json), got ${stored[kind]?.length}`,
      )
    stored[kind].forEach((t, i) => {
      if (typeof t.name !== 'string' || t.name === '')
        throw new Error(`kiln-model.json signature.${kind}[${i}].name: expected a name`)
      if (!Array.isArray(t.shape) || !same(t.shape, derived[kind][i]!.shape))
        throw new Error(
          `kiln-model.json signature.${kind}[${i}].shape: expected ${text(derived[kind][i]!.shape)} (as model.json), got ${JSON.stringify(t.shape)}`,
        )
    })
  }
  check('inputs')
  check('outputs')
  return stored
}

/** The first field where a signature differs from another: what was expected and what it has. */
export interface SignatureMismatch {
  field: string
  expected: string
  got: string
}

function tensorDifference(kind: string, a: TensorSignature[], b: TensorSignature[]): SignatureMismatch | undefined {
  if (a.length !== b.length)
    return { field: `signature.${kind}`, expected: `${a.length} tensors`, got: String(b.length) }
  for (const [i, t] of a.entries()) {
    const u = b[i]!
    const field = `signature.${kind}[${i}]`
    if (t.name !== u.name)
      return { field: `${field}.name`, expected: JSON.stringify(t.name), got: JSON.stringify(u.name) }
    if (t.datatype !== u.datatype) return { field: `${field}.datatype`, expected: t.datatype, got: u.datatype }
    if (!same(t.shape, u.shape)) return { field: `${field}.shape`, expected: text(t.shape), got: text(u.shape) }
    if (t.classNames && u.classNames && !same(t.classNames, u.classNames))
      return {
        field: `${field}.classNames`,
        expected: JSON.stringify(t.classNames).slice(0, 80),
        got: JSON.stringify(u.classNames).slice(0, 80),
      }
  }
  return undefined
}

/**
 * Why `candidate` cannot serve beside (or instead of) a version with signature `reference`:
 * the first field that differs; undefined when they are interchangeable.
 */
export function signatureDifference(
  reference: ModelSignature,
  candidate: ModelSignature,
): SignatureMismatch | undefined {
  return (
    tensorDifference('inputs', reference.inputs, candidate.inputs) ??
    tensorDifference('outputs', reference.outputs, candidate.outputs)
  )
}
