// The preprocessing the autopilot's trials choose among, as whole `preprocessing:` sections of
// the job spec (the pipelines' steps, fitted on each trial's training split and saved with its
// model): one-hot encoding of categories for every family, imputation of missing numbers
// (mean or median) and standardization as candidates for networks and linear models, which
// need finite, comparable inputs. Trees take the numbers as they are and learn where gaps go.
// A CNN chooses its training-time augmentation (flips, shifts, or none).

/** What the candidates depend on. */
export interface PreprocessingTraits {
  /** Some features are categories (text columns). */
  categorical: boolean
  /** Some feature values are missing (NaN). */
  missing: boolean
  /** Image samples: their smaller side in pixels (shifts scale with it); absent for tables. */
  imageSide?: number
}

/** A `preprocessing:` section; null leaves it out (no step at all). */
export type PreprocessingSection = Record<string, unknown> | null

/** The section every trial starts from (the base spec's): categories one-hot encoded, if any. */
export function basePreprocessing(traits: PreprocessingTraits): Record<string, unknown> | undefined {
  return traits.categorical ? { oneHot: 'all' } : undefined
}

/** A network's or linear model's candidates: impute (if needed) x scale or not, over the base. */
export function networkPreprocessing(traits: PreprocessingTraits): PreprocessingSection[] {
  const imputes = traits.missing ? ['mean', 'median'] : [undefined]
  const out: PreprocessingSection[] = []
  for (const impute of imputes)
    for (const scale of ['standard', undefined]) {
      const section = {
        ...(impute ? { impute } : {}),
        ...basePreprocessing(traits),
        ...(scale ? { scale } : {}),
      }
      out.push(Object.keys(section).length > 0 ? section : null)
    }
  return out
}

/**
 * A CNN's augmentation candidates: none, mirrored, shifted by about 7% of the side, or both
 * (what lifts small CNNs on Fashion-MNIST or CIFAR; a flip that changes what an image shows,
 * as in digits, loses its trials to the others).
 */
export function augmentPreprocessing(side: number): PreprocessingSection[] {
  const shift = Math.max(1, Math.round(side / 14))
  return [null, { augment: { flip: 'horizontal' } }, { augment: { shift } }, { augment: { flip: 'horizontal', shift } }]
}
