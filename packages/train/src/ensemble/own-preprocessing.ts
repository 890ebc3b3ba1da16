// A model trained with a `preprocessing:` section takes the raw features: the fitted steps
// saved in its kiln-model.json come first. As a Predictor (an ensemble's member, above all) it
// applies them itself, so members trained with different preprocessing (one-hot and scaling
// for a network, one-hot alone for trees) share the ensemble's one raw input, and a served
// ensemble predicts what its members predict offline.
import { applyPreprocessing, PREPROCESSING_FORMAT, type FittedPreprocessing } from '@kiln/data'
import { ModelFormatError } from '../errors.js'
import { METADATA_JSON } from '../model-files.js'
import { metadataOfFiles } from '../metadata-files.js'
import type { Predictor, PredictorKind } from './predictor.js'

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

// kiln-model.json is untrusted input (a registry file): its preprocessing is checked as far
// as applying it relies on.
function fittedOf(files: ReadonlyMap<string, Uint8Array>, where: string): FittedPreprocessing | undefined {
  const meta = metadataOfFiles(files, where)
  if (!meta) return undefined
  const bad = (problem: string): never => {
    throw new ModelFormatError(`${where}/${METADATA_JSON}`, problem)
  }
  const f = meta.preprocessing
  if (f === undefined) return undefined
  if (f?.format !== PREPROCESSING_FORMAT) bad(`preprocessing.format: expected "${PREPROCESSING_FORMAT}"`)
  const width = f.input?.width
  if (!Number.isInteger(width) || width < 1 || size(f.input.sampleShape ?? []) !== width)
    bad('preprocessing.input: expected a width matching its sampleShape')
  const inRange = (i: unknown) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < width
  if (!Array.isArray(f.keep) || !f.keep.every(inRange)) bad(`preprocessing.keep: expected features below ${width}`)
  for (const step of ['impute', 'clip', 'oneHot'] as const)
    if (!Array.isArray(f[step]) || !f[step].every((s) => f.keep.includes(s.feature)))
      bad(`preprocessing.${step}: expected kept features`)
  if (!Array.isArray(f.scale) || !f.scale.every((s) => Number.isInteger(s.feature) && s.feature < f.output?.width))
    bad('preprocessing.scale: expected output features')
  return f
}

/** `kind`, taking raw features wherever the model's kiln-model.json holds a fitted preprocessing. */
export function withOwnPreprocessing(kind: PredictorKind): PredictorKind {
  return async (files, where) => {
    const inner = await kind(files, where)
    if (!inner) return undefined
    let fitted: FittedPreprocessing | undefined
    try {
      fitted = fittedOf(files, where)
      if (fitted && size(fitted.output.sampleShape) !== size(inner.sampleShape))
        throw new ModelFormatError(
          `${where}/${METADATA_JSON}`,
          `preprocessing.output: expected [${inner.sampleShape}] (what the model takes), got [${fitted.output.sampleShape}]`,
        )
    } catch (err) {
      inner.dispose()
      throw err
    }
    if (!fitted) return inner
    const steps = fitted
    const raw: Predictor = {
      sampleShape: [...steps.input.sampleShape],
      outputs: inner.outputs,
      predict: (x, rows) => inner.predict(applyPreprocessing(steps, x, rows), rows),
      dispose: () => inner.dispose(),
    }
    return raw
  }
}
