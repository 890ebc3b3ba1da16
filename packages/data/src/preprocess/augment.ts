// Seeded image augmentation for training only: random flips, shifts (empty pixels are 0) and
// crops stretched back to full size (nearest pixel). Each epoch draws afresh from
// (seed, epoch), so a run repeats exactly and no two epochs see the same images.
import { Rng, ValidationError } from '@kiln/protocol'
import { describing, makeDataset, type Dataset } from '../dataset.js'
import type { PreprocessingSpec } from './preprocessing-spec.js'

/** The augment step of a preprocessing section. */
export type AugmentSpec = NonNullable<PreprocessingSpec['augment']>

/** Height, width and channels of image samples; a ValidationError naming `field` for other shapes. */
export function imageGeometry(
  sampleShape: readonly number[],
  spec: AugmentSpec,
  field: string,
): [number, number, number] {
  if (sampleShape.length !== 2 && sampleShape.length !== 3)
    throw new ValidationError(field, 'image samples, shaped [height, width] or [height, width, channels]', {
      got: `samples of shape [${sampleShape.join(', ')}]`,
    })
  const [h, w, c = 1] = sampleShape as [number, number, number?]
  if (spec.crop !== undefined && spec.crop > Math.min(h, w))
    throw new ValidationError(`${field}.crop`, `at most ${Math.min(h, w)} pixels (the images are ${h}x${w})`, {
      got: String(spec.crop),
    })
  return [h, w, c]
}

/** An augmented copy of image samples, drawn from (seed, epoch). */
export function augmentImages(ds: Dataset, spec: AugmentSpec, seed: number, epoch: number): Dataset {
  const [h, w, ch] = imageGeometry(ds.sampleShape, spec, 'preprocessing.augment')
  const rng = new Rng((seed ^ Math.imul(epoch + 1, 0x2c1b3c6d)) >>> 0)
  const size = h * w * ch
  const x = new Float32Array(ds.count * size)
  const flipH = spec.flip === 'horizontal' || spec.flip === 'both'
  const flipV = spec.flip === 'vertical' || spec.flip === 'both'
  const shift = spec.shift ?? 0
  const crop = spec.crop
  for (let n = 0; n < ds.count; n++) {
    const fx = flipH && rng.next() < 0.5
    const fy = flipV && rng.next() < 0.5
    const dx = shift ? rng.int(2 * shift + 1) - shift : 0
    const dy = shift ? rng.int(2 * shift + 1) - shift : 0
    const top = crop ? rng.int(h - crop + 1) : 0
    const left = crop ? rng.int(w - crop + 1) : 0
    const base = n * size
    for (let y = 0; y < h; y++) {
      let sy = crop ? top + Math.floor((y * crop) / h) : y
      sy -= dy
      if (sy < 0 || sy >= h) continue
      if (fy) sy = h - 1 - sy
      for (let xx = 0; xx < w; xx++) {
        let sx = crop ? left + Math.floor((xx * crop) / w) : xx
        sx -= dx
        if (sx < 0 || sx >= w) continue
        if (fx) sx = w - 1 - sx
        const from = base + (sy * w + sx) * ch
        const to = base + (y * w + xx) * ch
        for (let k = 0; k < ch; k++) x[to + k] = ds.x[from + k]!
      }
    }
  }
  return makeDataset({
    name: `${ds.name}:augmented-${epoch}`,
    x,
    sampleShape: ds.sampleShape,
    labels: ds.labels,
    numClasses: ds.numClasses,
    count: ds.count,
    ...describing(ds),
    ...(ds.targets ? { targets: ds.targets } : {}),
  })
}
