// The autopilot's CNN trials on a small image set: the augmentation a trial draws is the
// pipelines' preprocessing.augment, applied to its training images (a left/right task cannot
// be learnt through horizontal flips, and is learnt without them), and it is saved with the
// model; MLP trials on the same images never draw one.
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { autopilotSpec, Family, ProblemKind } from '@kiln/autopilot'
import { fromArrays } from '@kiln/data'
import { Rng } from '@kiln/protocol'
import { parseSearchSpec, RandomSearcher } from '@kiln/sweep'
import { applyOverrides, readMetadata, trainLocal, validateSpec } from '@kiln/train'
import { tempDir } from '../train/synthetic.js'

const images = suite('autopilot - CNN trials train with their augmentation')

// 400 8x8 grey images: class 1 when the right half is the bright one.
function halves() {
  const rng = new Rng(2)
  const rows = 400
  const x = new Float32Array(rows * 64)
  const labels = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    labels[r] = rng.int(2)
    for (let p = 0; p < 64; p++) {
      const right = p % 8 >= 4
      x[r * 64 + p] = (right === (labels[r] === 1) ? 0.8 : 0) + 0.2 * rng.next()
    }
  }
  return fromArrays({ name: 'halves', x, labels, sampleShape: [8, 8], classNames: ['left', 'right'] })
}

images('a CNN trial drawing a horizontal flip trains on flipped images; MLP trials draw no augmentation', async () => {
  const data = halves()
  const spec = validateSpec(
    autopilotSpec({
      name: 'autopilot-halves',
      dataset: 'halves',
      problem: { kind: ProblemKind.binary, target: 'label', classNames: ['left', 'right'], missingTargets: 0 },
      rows: data.count,
      families: [Family.cnn, Family.mlp],
      metric: 'accuracy',
      budgetMs: 60_000,
      concurrency: 1,
      seed: 4,
      hasTestSet: false,
      traits: { categorical: false, missing: false, imageSide: 8 },
    }),
  )
  const parsed = parseSearchSpec(spec.search, { metric: spec.metric })
  const searcher = new RandomSearcher(parsed.space)
  const rng = new Rng(1)
  let flipped: Record<string, unknown> | undefined
  for (let i = 0; i < 60 && !flipped; i++) {
    const p = searcher.ask({ rng, history: () => [], started: i })
    const family = (p.model as { builtin: string }).builtin
    if (family === 'mlp') assert.not.ok(applyOverrides(spec, p).preprocessing, JSON.stringify(p))
    const augment = (p.preprocessing as { augment?: { flip?: string; shift?: number } } | null)?.augment
    if (family === 'cnn' && augment?.flip === 'horizontal' && augment.shift === undefined) flipped = p
  }
  assert.ok(flipped, 'a CNN trial drew the horizontal flip')
  // The trial as a worker runs it, made small: no search section, a tiny net, a few epochs.
  const small = {
    search: null,
    'model.filters': [4],
    'model.dense': [8],
    'model.dropout': 0,
    'optimizer.learningRate': 0.01,
    'training.batchSize': 32,
    'training.epochs': 4,
  }
  const trial = applyOverrides(spec, { ...flipped, ...small })
  const plain = applyOverrides(trial, { preprocessing: null })
  const dir = tempDir()
  try {
    const run = (s: typeof trial, out: string) =>
      trainLocal(s, { outDir: join(dir.dir, out), datasets: { train: data }, log: () => {} })
    const withFlip = await run(trial, 'flip')
    const without = await run(plain, 'plain')
    // Training loss of the last epoch, over that epoch's (augmented) training images: with half
    // of them mirrored, left and right carry no signal and the loss stays near ln 2.
    const loss = (r: typeof withFlip) => r.metrics.epochs.at(-1)!.loss!
    assert.ok(without.metrics.test!.accuracy! > 0.9, `learnt without flips: ${without.metrics.test!.accuracy}`)
    assert.ok(loss(without) < 0.3, `training loss without flips ${loss(without)}`)
    assert.ok(loss(withFlip) > 0.6, `training loss with flips ${loss(withFlip)} (near ln 2 = 0.69)`)
    const meta = await readMetadata(withFlip.modelDir!)
    assert.equal(meta!.hyperparameters.preprocessing?.augment, { flip: 'horizontal' })
  } finally {
    dir.remove()
  }
})

images.run()
