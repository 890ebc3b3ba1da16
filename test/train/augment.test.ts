import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { augmentImages, loadModel, parseSpec, SpecError, trainLocal } from '@kiln/train'
import { blobDataset, tempDir } from './synthetic.js'

const augment = suite('train - image augmentation for the builtin CNN')
const quiet = () => {}

// count samples of shape [h, w, c] whose values are all distinct and non-zero.
function images(count: number, h: number, w: number, c: number): Float32Array {
  return Float32Array.from({ length: count * h * w * c }, (_, i) => i + 1)
}

// Sample i of `src` mirrored (or not) and moved by (dy, dx), zeros filling in.
function moved(src: Float32Array, i: number, shape: number[], flip: boolean, dy: number, dx: number): number[] {
  const [h, w, c] = shape as [number, number, number]
  const out: number[] = []
  for (let r = 0; r < h; r++)
    for (let col = 0; col < w; col++)
      for (let k = 0; k < c; k++) {
        const sr = r - dy
        const sc = col - dx
        const inside = sr >= 0 && sr < h && sc >= 0 && sc < w
        out.push(inside ? src[i * h * w * c + (sr * w + (flip ? w - 1 - sc : sc)) * c + k]! : 0)
      }
  return out
}

augment('each sample is itself, mirrored, or shifted by at most `shift` pixels; a seed repeats it', () => {
  const shape = [5, 4, 2]
  const size = 5 * 4 * 2
  const count = 60
  const original = images(count, 5, 4, 2)
  const x = original.slice()
  augmentImages(x, count, shape, { flip: true, shift: 1 }, 7)
  const seen = new Set<string>()
  for (let i = 0; i < count; i++) {
    const got = Array.from(x.subarray(i * size, (i + 1) * size))
    const how = [false, true]
      .flatMap((flip) => [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => ({ flip, dy, dx }))))
      .find(({ flip, dy, dx }) => sameValues(got, moved(original, i, shape, flip, dy, dx)))
    assert.ok(how, `sample ${i} is no mirror or shift of its original`)
    seen.add(JSON.stringify(how))
  }
  assert.ok(seen.size > 6, `the draws vary across samples (${seen.size} kinds seen)`)
  const again = original.slice()
  augmentImages(again, count, shape, { flip: true, shift: 1 }, 7)
  assert.equal(Array.from(again), Array.from(x), 'the same seed gives the same copies')
  const other = original.slice()
  augmentImages(other, count, shape, { flip: true, shift: 1 }, 8)
  assert.not.equal(Array.from(other), Array.from(x), 'another seed gives other copies')
})

function sameValues(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

augment('a grey [h, w] sample flips along its width; nothing asked changes nothing', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6])
  let flipped = 0
  for (let seed = 0; seed < 20 && flipped === 0; seed++) {
    const y = x.slice()
    augmentImages(y, 1, [2, 3], { flip: true, shift: 0 }, seed)
    if (y[0] !== 1) {
      assert.equal(Array.from(y), [3, 2, 1, 6, 5, 4])
      flipped++
    }
  }
  assert.is(flipped, 1, 'some seed mirrors the sample')
  const y = x.slice()
  augmentImages(y, 1, [2, 3], { flip: false, shift: 0 }, 3)
  assert.equal(Array.from(y), Array.from(x))
})

augment('a CNN trains on augmented copies: the data stays as it was, the model is a plain network', async () => {
  const train = blobDataset('img', 96, [6, 6], 2)
  const before = train.x.slice()
  const dir = tempDir()
  const run = async (extra: string, out: string) => {
    const spec = parseSpec(
      `name: c\ndataset: d\nmodel: { builtin: cnn, filters: [4], dense: [8]${extra} }\ntraining: { epochs: 2, batchSize: 16, seed: 3 }\n`,
    )
    const result = await trainLocal(spec, { outDir: join(dir.dir, out), datasets: { train }, log: quiet })
    const { model } = await loadModel(result.modelDir)
    const weights = Array.from(model.getWeights()[0]!.dataSync())
    const layers = model.layers.map((l) => l.getClassName())
    model.dispose()
    return { weights, layers }
  }
  try {
    const plain = await run('', 'plain')
    const augmented = await run(', augment: { flip: true, shift: 1 }', 'augmented')
    assert.equal(Array.from(train.x), Array.from(before), 'the training set is not changed in place')
    assert.equal(augmented.layers, plain.layers, 'no augmentation layer is saved with the model')
    assert.not.equal(augmented.weights, plain.weights, 'the augmented run saw other samples')
  } finally {
    dir.remove()
  }
})

augment('a bad augment section names the field and what was expected', () => {
  const spec = (augmentation: string) => `name: c\ndataset: d\nmodel: { builtin: cnn, augment: ${augmentation} }\n`
  const cases: Array<[string, string]> = [
    ['{ shift: -1 }', 'model.augment.shift: expected an integer from 0 to 16, got -1'],
    ['{ shift: 1.5 }', 'model.augment.shift: expected an integer from 0 to 16'],
    ['{ flip: yes please }', 'model.augment.flip'],
    ['{ mirror: true }', 'model.augment'],
  ]
  for (const [bad, expected] of cases) {
    try {
      parseSpec(spec(bad))
      assert.unreachable(`accepted ${bad}`)
    } catch (err) {
      assert.instance(err, SpecError)
      assert.ok((err as Error).message.includes(expected), `${bad}: ${(err as Error).message}`)
    }
  }
})

augment.run()
