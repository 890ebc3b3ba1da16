import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ModelFormatError, TrainingAbortedError, loadModel, parseSpec, readCheckpoint, trainLocal } from '@kiln/train'
import { encode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { tempDir, writeNpyBlobs } from './synthetic.js'

const quiet = () => {}
const spec = (epochs = 4) =>
  parseSpec(`name: ckpt
dataset: ./x.npy
model: { builtin: mlp, hidden: [16], dropout: 0 }
optimizer: { name: adam, learningRate: 0.01 }
training: { epochs: ${epochs}, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 11 }
`)

const ckpt = suite('train - checkpoints and resume')
let tmp: { dir: string; remove: () => void }
ckpt.before(
  loud(() => {
    tmp = tempDir()
    writeNpyBlobs(tmp.dir, 480, [6], 3)
  }),
)
ckpt.after(() => tmp.remove())

async function weightsOf(dir: string): Promise<Float32Array[]> {
  const { model } = await loadModel(dir)
  const out = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array))
  model.dispose()
  return out
}

ckpt(
  'a run resumed from its epoch-2 checkpoint ends with the weights and history of an uninterrupted run',
  async () => {
    const saved = new Map<number, Uint8Array>()
    const full = await trainLocal(spec(), {
      outDir: join(tmp.dir, 'full'),
      baseDir: tmp.dir,
      log: quiet,
      checkpoint: {
        everyEpochs: 1,
        save: async (bytes, epoch) => {
          saved.set(epoch, bytes)
        },
      },
    })
    assert.equal([...saved.keys()], [1, 2, 3, 4])
    const two = readCheckpoint(saved.get(2)!)
    assert.is(two.epoch, 2)
    assert.is(two.reports.length, 2)
    assert.ok(two.optimizer.length > 0, 'the Adam moments are in the checkpoint')

    const epochsSeen: number[] = []
    const resumed = await trainLocal(spec(), {
      outDir: join(tmp.dir, 'resumed'),
      baseDir: tmp.dir,
      log: quiet,
      resumeFrom: saved.get(2)!,
      onEpoch: (e) => epochsSeen.push(e.epoch),
    })
    assert.equal(epochsSeen, [3, 4], 'only the remaining epochs run')
    assert.equal(
      resumed.metrics.epochs.map((e) => e.epoch),
      [1, 2, 3, 4],
      'history carries over',
    )
    assert.equal(resumed.metrics.epochs[0], full.metrics.epochs[0])
    const [a, b] = await Promise.all([weightsOf(full.modelDir), weightsOf(resumed.modelDir)])
    assert.is(a.length, b.length)
    a.forEach((w, k) => {
      let maxDiff = 0
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i]! - b[k]![i]!))
      assert.ok(maxDiff <= 1e-6, `weight ${k}: max difference ${maxDiff}`)
    })
  },
)

ckpt('an aborted run with onAbort saves a checkpoint of the epochs it completed, then throws', async () => {
  const controller = new AbortController()
  const saved: number[] = []
  await rejects(
    () =>
      trainLocal(spec(6), {
        outDir: join(tmp.dir, 'aborted'),
        baseDir: tmp.dir,
        log: quiet,
        signal: controller.signal,
        checkpoint: {
          everyEpochs: 100,
          onAbort: true,
          save: async (_bytes, epoch) => {
            saved.push(epoch)
          },
        },
        onEpoch: (e) => {
          if (e.epoch === 2) controller.abort()
        },
      }),
    TrainingAbortedError,
  )
  assert.equal(saved, [2])
})

ckpt('a malformed or foreign checkpoint is refused with the reason', async () => {
  assert.throws(
    () => readCheckpoint(new Uint8Array([0x92, 0x01])),
    (e: unknown) => e instanceof ModelFormatError && /does not decode/.test((e as Error).message),
  )
  assert.throws(
    () => readCheckpoint(encode({ format: 'other/9' })),
    (e: unknown) => e instanceof ModelFormatError && /other\/9/.test((e as Error).message),
  )
  const bad = encode({
    format: 'kiln-checkpoint/1',
    epoch: 1,
    reports: [],
    weights: [{ name: 'w', shape: [2, 2], dtype: 'float32', data: new Float32Array(3) }],
    optimizer: [],
  })
  assert.throws(
    () => readCheckpoint(bad),
    (e: unknown) => e instanceof ModelFormatError && /expected 4 values/.test((e as Error).message),
  )
  const wrongModel = encode({
    format: 'kiln-checkpoint/1',
    epoch: 1,
    reports: [],
    weights: [{ name: 'w', shape: [1], dtype: 'float32', data: new Float32Array(1) }],
    optimizer: [],
  })
  await rejects(
    () => trainLocal(spec(), { outDir: join(tmp.dir, 'never'), baseDir: tmp.dir, log: quiet, resumeFrom: wrongModel }),
    ModelFormatError,
  )
})

ckpt.run()
