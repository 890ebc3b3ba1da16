import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DatasetError, decodeDataset, encodeDataset, fromArrays, importSource, type ResolvedDataset } from '@kiln/data'
import { encode, decode } from '@kiln/protocol'
import { randomFloats, randomInts } from '../helpers/random.js'
import { rejects } from '../helpers/rejects.js'

const codec = suite('data - store codec')

const pixels = (n: number, seed: number) => Float32Array.from(randomInts(n, seed, 0, 256), (v) => v / 255)

function synthetic(): ResolvedDataset {
  return {
    train: fromArrays({
      name: 'syn',
      x: randomFloats(12 * 6, 1),
      labels: randomInts(12, 2, 0, 3),
      sampleShape: [2, 3],
      numClasses: 3,
      classNames: ['a', 'b', 'c'],
    }),
    test: fromArrays({
      name: 'syn',
      x: randomFloats(5 * 6, 3),
      labels: randomInts(5, 4, 0, 3),
      sampleShape: [2, 3],
      numClasses: 3,
      classNames: ['a', 'b', 'c'],
    }),
  }
}

function same(a: ResolvedDataset, b: ResolvedDataset): void {
  for (const which of ['train', 'test'] as const) {
    const x = a[which],
      y = b[which]
    assert.ok(x && y, `${which} present on both sides`)
    assert.is(y!.fingerprint, x!.fingerprint, `${which} fingerprint`)
    assert.equal([...y!.x], [...x!.x])
    assert.equal([...y!.labels], [...x!.labels])
    assert.equal(y!.sampleShape, x!.sampleShape)
    assert.is(y!.numClasses, x!.numClasses)
    assert.equal(y!.classNames, x!.classNames)
  }
}

// Rewrites one field of an encoded dataset, to feed the decoder well-formed msgpack with wrong content.
function tampered(bytes: Uint8Array, edit: (blob: any) => void): Uint8Array {
  const blob = decode<any>(bytes)
  edit(blob)
  return encode(blob)
}

const malformed = (pattern: RegExp) => (err: unknown) =>
  err instanceof DatasetError && err.code === 'dataset_malformed' && pattern.test(err.message)

codec('float features round-trip bit for bit, with names, shapes and test split', () => {
  const resolved = synthetic()
  const bytes = encodeDataset(resolved)
  const back = decodeDataset(bytes, { name: 'syn' })
  same(resolved, back)
  assert.is(back.train.name, 'syn/train')
  assert.is(back.test!.name, 'syn/test')
  assert.equal(decode<any>(bytes).splits.train.x.dtype, 'float32')
})

codec('scaled and raw byte features are stored as uint8 (4x smaller) and come back exact', () => {
  for (const [x, scale] of [
    [pixels(400, 5), 255],
    [Float32Array.from(randomInts(400, 6, 0, 256)), 1],
  ] as const) {
    const resolved = { train: fromArrays({ name: 'img', x, labels: randomInts(100, 7, 0, 10), sampleShape: [2, 2] }) }
    const bytes = encodeDataset(resolved)
    const stored = decode<any>(bytes).splits.train
    assert.is(stored.x.dtype, 'uint8')
    assert.is(stored.x.scale, scale)
    assert.is(stored.x.bytes.length, 400)
    assert.is(stored.labels.dtype, 'uint8')
    const back = decodeDataset(bytes)
    assert.is(back.train.fingerprint, resolved.train.fingerprint)
    assert.is(back.test, undefined)
  }
})

codec('the same data always encodes to the same bytes; other data to other bytes', () => {
  const a = encodeDataset(synthetic())
  const b = encodeDataset(synthetic())
  assert.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)), 0)
  const other = synthetic()
  other.train.x[0]! += 1e-3
  assert.is.not(Buffer.compare(Buffer.from(encodeDataset(other)), Buffer.from(a)), 0)
})

codec('labels beyond 255 classes use uint16', () => {
  const resolved = {
    train: fromArrays({ name: 'many', x: randomFloats(4, 8), labels: [0, 299, 7, 1000], numClasses: 1001 }),
  }
  const bytes = encodeDataset(resolved)
  assert.is(decode<any>(bytes).splits.train.labels.dtype, 'uint16')
  assert.equal([...decodeDataset(bytes).train.labels], [0, 299, 7, 1000])
})

codec('malformed blobs get a DatasetError naming the source and the field', async () => {
  const good = encodeDataset(synthetic())
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([0x92, 0x01]), /^blob-1: dataset: expected a Kiln dataset \(msgpack\)/],
    [encode({ hello: 'world' }), /dataset\.format: expected "kiln-dataset"/],
    [
      tampered(good, (b) => {
        b.version = 9
      }),
      /dataset\.version: expected at most 1 .*got 9/,
    ],
    [
      tampered(good, (b) => {
        b.splits.train.x.bytes = b.splits.train.x.bytes.subarray(4)
      }),
      /train\.x\.bytes: expected 288 bytes \(12 samples x 6 values of float32\), got 284/,
    ],
    [
      tampered(good, (b) => {
        b.splits.test.labels.bytes = new Uint8Array(4)
      }),
      /test\.labels\.bytes: expected 5 bytes/,
    ],
    [
      tampered(good, (b) => {
        b.splits.train.x.dtype = 'float64'
      }),
      /splits\.train\.x\.dtype: expected "uint8" or "uint16" or "int32" or "float32"/,
    ],
    [
      tampered(good, (b) => {
        b.splits.train.labels.bytes[3] = 7
      }),
      /train\.labels\[3\]: expected a class index from 0 to 2, got 7/,
    ],
    [
      tampered(good, (b) => {
        b.splits.train.sampleShape = [2, -3]
      }),
      /splits\.train\.sampleShape\[1\]/,
    ],
    [
      tampered(good, (b) => {
        b.splits.test.sampleShape = [3, 2]
      }),
      /test\.sampleShape: expected the train samples' shape \[2, 3\], got \[3, 2\]/,
    ],
    [
      tampered(good, (b) => {
        delete b.splits.train
      }),
      /splits\.train: expected an object/,
    ],
    [
      tampered(good, (b) => {
        b.splits.train.classNames = ['a']
      }),
      /train\.classNames: expected 3 names/,
    ],
  ]
  for (const [bytes, pattern] of cases) {
    await rejects(async () => decodeDataset(bytes, { source: 'blob-1' }), malformed(pattern), pattern.source)
  }
})

codec('a test set of another sample shape is refused at encode time', async () => {
  const resolved = synthetic()
  const test = fromArrays({ name: 't', x: randomFloats(6, 9), labels: [0], sampleShape: [6] })
  await rejects(
    async () => encodeDataset({ train: resolved.train, test }),
    (e) => /test\.sampleShape/.test((e as Error).message),
  )
})

codec.run()

const source = suite('data - store import source')

source('relative paths resolve against the base folder; names come from the first file or folder', () => {
  assert.equal(importSource('fashion-mnist', '/x'), { location: 'fashion-mnist', defaultName: 'fashion-mnist' })
  assert.equal(importSource('data/blobs.csv#label=y', '/home/u'), {
    location: '/home/u/data/blobs.csv#label=y',
    defaultName: 'blobs',
  })
  assert.equal(importSource('x.npy, /abs/y.npy', '/p'), { location: '/p/x.npy,/abs/y.npy', defaultName: 'x' })
  assert.equal(importSource('mnist.v2/', '/p'), { location: '/p/mnist.v2', defaultName: 'mnist-v2' })
  assert.equal(importSource('/d/train-images-idx3-ubyte.gz', '/p').defaultName, 'train-images-idx3-ubyte')
})

source('an empty spec is a ValidationError naming the dataset', async () => {
  await rejects(
    async () => importSource(' ', '/p'),
    (e) => /^dataset: expected a registered dataset name or a path/.test((e as Error).message),
  )
})

source.run()
