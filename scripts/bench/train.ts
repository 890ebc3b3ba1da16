// pnpm bench:train [-- --json] [--models mlp,cnn] [--backends kiln,torch,wasm,cpu[,kiln-bf16]]
//                  [--mlp-epochs 10] [--cnn-epochs 8] [--limit N] [--seed 42]
//                  [--mlp-dropout 0] [--cnn-dropout 0.5]
// Fashion-MNIST training speed and accuracy per (model, backend), peers in the same run:
// PyTorch (Debian python3-torch under /usr/bin/python3: eager, fp32, as many threads as
// Kiln's pool, OpenBLAS matmuls and oneDNN convolutions; torch_peer.py) on the same
// samples, epoch orders, batch, epochs and optimizer; tfjs-backend-wasm (the fastest stock
// tfjs backend that installs offline) and the plain cpu backend on a small sample count
// (it is very slow). kiln lines carry vs_torch and vs_wasm. kiln-bf16 (not in the default
// list) trains as kiln with training.precision bf16 (setMatmulPrecision: bf16 products,
// fp32 accumulation and master weights) and says which bf16 kernel ran (bf16_kernel) and
// its test accuracy minus the kiln line's (acc_vs_fp32).
// Every backend trains the same way, as `kiln train` does: each epoch is one model.fit over
// a copy of the samples in a seeded order (tfjs' own shuffle uses Math.random, so test
// accuracy would vary run to run); epoch_s counts that copy. Images are standardized per
// pixel with the training set's mean and std (test accuracy +0.002 to +0.004 for both
// models over [0, 1] pixels, measured over seeds).
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import '@kiln/backend/register'
import { fitNormalization, loadFashionMnist, normalize, permutation, type Dataset } from '@kiln/data'
import { setMatmulPrecision } from '@kiln/backend'
import { bf16Kernel, threads } from '@kiln/native'
import { buildBuiltinModel, validateSpec, type CnnModelSpec, type MlpModelSpec } from '@kiln/train'
import { torchTrain, type TorchModelRun } from './torch-peer.ts'

type ModelName = 'mlp' | 'cnn'
interface Row {
  model: ModelName
  backend: string
  batch: number
  samples: number
  epochs: number
  samples_per_s?: number
  epoch_s?: number
  test_acc?: number
  vs_torch?: number
  vs_wasm?: number
  bf16_kernel?: string
  acc_vs_fp32?: number
  error?: string
  threads?: number
}

const BATCH = 128
const args = parseArgs(process.argv.slice(2))

function parseArgs(argv: string[]) {
  const out = {
    json: false,
    models: ['mlp', 'cnn'] as ModelName[],
    backends: ['kiln', 'torch', 'wasm', 'cpu'],
    mlpEpochs: 10,
    cnnEpochs: 8,
    limit: 60000,
    seed: 42,
    mlpDropout: 0,
    cnnDropout: 0.5,
  }
  const fail = (m: string): never => {
    process.stderr.write(`error: ${m}\n`)
    process.exit(2)
  }
  const int = (flag: string, v: string | undefined) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) fail(`${flag} expects a positive integer, got '${v}'`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') continue
    else if (a === '--json') out.json = true
    else if (a === '--models') {
      out.models = (argv[++i] ?? '').split(',') as ModelName[]
      if (!out.models.every((m) => m === 'mlp' || m === 'cnn'))
        fail(`--models expects mlp and/or cnn, got '${argv[i]}'`)
    } else if (a === '--backends') {
      out.backends = (argv[++i] ?? '').split(',')
      if (!out.backends.every((b) => ['kiln', 'torch', 'wasm', 'cpu', 'kiln-bf16'].includes(b)))
        fail(`--backends expects kiln, torch, wasm, cpu, kiln-bf16, got '${argv[i]}'`)
    } else if (a === '--mlp-epochs') out.mlpEpochs = int(a, argv[++i])
    else if (a === '--cnn-epochs') out.cnnEpochs = int(a, argv[++i])
    else if (a === '--limit') out.limit = int(a, argv[++i])
    else if (a === '--seed') out.seed = int(a, argv[++i])
    else if (a === '--mlp-dropout' || a === '--cnn-dropout') {
      const rate = Number(argv[++i])
      if (!(rate >= 0 && rate < 1)) fail(`${a} expects a rate in [0, 1), got '${argv[i]}'`)
      if (a === '--mlp-dropout') out.mlpDropout = rate
      else out.cnnDropout = rate
    } else fail(`unknown flag '${a}'`)
  }
  return out
}

// The models are Kiln's builtins (@kiln/train), so the bench measures what `kiln train`
// trains. Dropout (after each dense hidden layer) regularizes without changing the layer
// sizes the targets name; 0 removes it.
function build(name: ModelName): tf.Sequential {
  const model =
    name === 'mlp'
      ? { builtin: 'mlp', hidden: [256, 128], activation: 'relu', dropout: args.mlpDropout }
      : { builtin: 'cnn', filters: [32, 64], kernelSize: 3, dense: [128], activation: 'relu', dropout: args.cnnDropout }
  const spec = validateSpec({
    name: `bench-${name}`,
    dataset: 'fashion-mnist',
    model,
    optimizer: { name: 'adam', learningRate: 1e-3 },
  })
  const net = buildBuiltinModel(
    spec.model as MlpModelSpec | CnnModelSpec,
    { sampleShape: [28, 28, 1], numClasses: 10 },
    'categoricalCrossentropy',
    args.seed,
  )
  net.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  return net
}

// Each epoch's sample order, derived from the run's seed as `kiln train` derives it.
function epochSeed(seed: number, epoch: number): number {
  return (seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0
}

function tensors(ds: Dataset, n: number): { x: tf.Tensor; y: tf.Tensor } {
  const count = Math.min(n, ds.count)
  const size = 28 * 28
  return tf.tidy(() => ({
    x: tf.tensor4d(ds.x.subarray(0, count * size), [count, 28, 28, 1]),
    y: tf.oneHot(tf.tensor1d(ds.labels.subarray(0, count), 'int32'), 10),
  }))
}

async function measure(model: ModelName, backend: string, train: Dataset, test: Dataset): Promise<Row> {
  const bf16 = backend === 'kiln-bf16'
  await tf.setBackend(bf16 ? 'kiln' : backend)
  await tf.ready()
  setMatmulPrecision(bf16 ? 'bf16' : 'fp32')
  const full = backend === 'kiln' || bf16
  const samples = full
    ? Math.min(args.limit, train.count)
    : backend === 'wasm'
      ? 128 * 40
      : model === 'mlp'
        ? 128 * 4
        : 128
  const epochs = full ? (model === 'mlp' ? args.mlpEpochs : args.cnnEpochs) : 1
  const row: Row = { model, backend, batch: BATCH, samples, epochs }
  if (full) row.threads = threads()
  if (bf16) row.bf16_kernel = bf16Kernel()
  const net = build(model)
  const data = tensors(train, samples)
  try {
    // One warm-up batch: kernel setup, allocation and JIT are not training speed.
    const warm = tensors(train, BATCH)
    await net.fit(warm.x, warm.y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never' })
    tf.dispose([warm.x, warm.y])
    const epochTimes: number[] = []
    for (let epoch = 0; epoch < epochs; epoch++) {
      const start = performance.now()
      const order = tf.tensor1d(Int32Array.from(permutation(samples, epochSeed(args.seed, epoch))), 'int32')
      const [x, y] = [tf.gather(data.x, order), tf.gather(data.y, order)]
      await net.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never' })
      epochTimes.push(performance.now() - start)
      tf.dispose([order, x, y])
    }
    const sorted = [...epochTimes].sort((a, b) => a - b)
    const epochMs = sorted[sorted.length >> 1]!
    row.epoch_s = round(epochMs / 1000, 3)
    row.samples_per_s = Math.round(samples / (epochMs / 1000))
    if (full) {
      const t = tensors(test, test.count)
      const [, acc] = net.evaluate(t.x, t.y, { batchSize: 1000 }) as tf.Scalar[]
      row.test_acc = round((await acc!.data())[0]!, 4)
      tf.dispose([t.x, t.y])
    }
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0]
  } finally {
    setMatmulPrecision('fp32')
    tf.dispose([data.x, data.y])
    net.dispose()
  }
  return row
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function print(row: Row): void {
  if (args.json) process.stdout.write(`${JSON.stringify(row)}\n`)
  else
    process.stdout.write(
      `${Object.entries(row)
        .map(([k, v]) => `${k}=${v}`)
        .join('  ')}\n`,
    )
}

// The PyTorch peer trains what the kiln line trains: all samples, the same epochs, each
// epoch in the order kiln's epoch uses.
function measureTorch(model: ModelName, train: Dataset, test: Dataset): Row {
  const samples = Math.min(args.limit, train.count)
  const epochs = model === 'mlp' ? args.mlpEpochs : args.cnnEpochs
  const run: TorchModelRun = {
    model,
    dropout: model === 'mlp' ? args.mlpDropout : args.cnnDropout,
    samples,
    epochs,
    orders: Array.from({ length: epochs }, (_, e) => permutation(samples, epochSeed(args.seed, e))),
  }
  const row: Row = { model, backend: 'torch', batch: BATCH, samples, epochs, threads: threads() }
  const out = torchTrain({ train, test, image: [28, 28], batch: BATCH, threads: threads(), seed: args.seed }, run)
  if ('error' in out) row.error = out.error
  else {
    row.backend = `torch ${out.torch}`
    row.epoch_s = round(out.epoch_s, 3)
    row.samples_per_s = Math.round(out.samples_per_s)
    row.test_acc = round(out.test_acc, 4)
  }
  return row
}

const images = await loadFashionMnist()
const scaling = fitNormalization(images.train, 'standard')
const scaled = { train: normalize(images.train, scaling), test: normalize(images.test, scaling) }
// Peers first: the kiln line then carries the ratios against this run's peer figures.
const order = ['torch', 'wasm', 'cpu', 'kiln', 'kiln-bf16'].filter((b) => args.backends.includes(b))
for (const model of args.models) {
  const { train, test } = scaled
  const peers: Record<string, number | undefined> = {}
  let fp32Acc: number | undefined
  for (const backend of order) {
    const row = backend === 'torch' ? measureTorch(model, train, test) : await measure(model, backend, train, test)
    const ours = backend === 'kiln' || backend === 'kiln-bf16'
    if (!ours) peers[backend] = row.samples_per_s
    if (ours && row.samples_per_s) {
      if (peers.torch) row.vs_torch = round(row.samples_per_s / peers.torch, 2)
      if (peers.wasm) row.vs_wasm = round(row.samples_per_s / peers.wasm, 1)
    }
    if (backend === 'kiln') fp32Acc = row.test_acc
    if (backend === 'kiln-bf16' && row.test_acc !== undefined && fp32Acc !== undefined)
      row.acc_vs_fp32 = round(row.test_acc - fp32Acc, 4)
    print(row)
  }
}
