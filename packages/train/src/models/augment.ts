// Image augmentation for the builtin CNN: each epoch's shuffled copy of the training images
// is mirrored and shifted in place before fit(), with draws from the run's seed, so a run
// repeats exactly and the model (and what the gateway serves) stays a plain network.
import { Rng } from '@kiln/protocol'

/** What the spec's `model.augment` asks for. */
export interface ImageAugment {
  flip: boolean
  shift: number
}

/** Whether `augment` changes anything. */
export function augments(augment: ImageAugment | undefined): augment is ImageAugment {
  return augment !== undefined && (augment.flip || augment.shift > 0)
}

/**
 * Mirrors (left-right, with probability 1/2) and shifts (up to `shift` pixels each way,
 * zeros filling in) each of the `count` samples of `x`, laid out [h, w] or [h, w, c], in place.
 */
export function augmentImages(
  x: Float32Array,
  count: number,
  sampleShape: readonly number[],
  augment: ImageAugment,
  seed: number,
): void {
  const [h = 1, w = 1, c = 1] = sampleShape
  const size = h * w * c
  const rng = new Rng(seed >>> 0)
  const span = 2 * augment.shift + 1
  const tmp = new Float32Array(size)
  for (let i = 0; i < count; i++) {
    const flip = augment.flip && rng.int(2) === 1
    const dy = augment.shift > 0 ? rng.int(span) - augment.shift : 0
    const dx = augment.shift > 0 ? rng.int(span) - augment.shift : 0
    if (!flip && dy === 0 && dx === 0) continue
    const base = i * size
    tmp.set(x.subarray(base, base + size))
    for (let r = 0; r < h; r++) {
      const sr = r - dy
      for (let col = 0; col < w; col++) {
        const d = base + (r * w + col) * c
        // The output pixel (r, col) shows the input at (r - dy, col - dx), mirrored first.
        const sc = col - dx
        const inside = sr >= 0 && sr < h && sc >= 0 && sc < w
        const s = ((sr * w + (flip ? w - 1 - sc : sc)) * c) | 0
        for (let k = 0; k < c; k++) x[d + k] = inside ? tmp[s + k]! : 0
      }
    }
  }
}
