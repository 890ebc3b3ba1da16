// pnpm bench:gbdt [-- --json] [--datasets breast-cancer,wine,iris,digits,synthetic]
//                 [--trees 100] [--rows 100000] [--seed 42] [--threads T]
// Kiln's native gradient-boosted trees against scikit-learn's HistGradientBoostingClassifier
// (Debian python3-sklearn, /usr/bin/python3) in the same run, on the same rows and with the
// same parameters: trees rounds, learning rate 0.1, 31 leaves, 20 samples per leaf, no L2,
// 255 bins, no early stopping (each side's early stopping would hold out different rows).
// Each dataset is split 80/20 (seeded); train_ms is the fit (binning included) and test_acc
// the test accuracy. The synthetic table (--rows rows, 28 features, a nonlinear rule with
// noise) is where training time shows. One line per (dataset, implementation), then one
// comparison line per dataset (acc_diff_points: Kiln minus scikit-learn; speedup > 1:
// Kiln trains faster).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Dataset, fromArrays, gather, permutation, resolveDataset } from '@kiln/data'
import { Rng } from '@kiln/protocol'
import { gbdtBoost, gbdtCreate, gbdtPredict, gbdtTrees, threads } from '@kiln/native'
import { parseFlags, takeFlag, report } from './common.ts'

const argv = process.argv.slice(2)
const take = (flag: string) => takeFlag(argv, flag)
const datasets = (take('--datasets') ?? 'breast-cancer,wine,iris,digits,synthetic').split(',')
const flags = parseFlags(argv, 0, ['--trees', '--rows', '--seed'])
const trees = flags.extra['--trees'] ?? 100
const rows = flags.extra['--rows'] ?? 100_000
const seed = flags.extra['--seed'] ?? 42
const PARAMS = { trees, learningRate: 0.1, maxLeaves: 31, minSamplesLeaf: 20, l2: 0, maxBins: 255 }
const PEER = fileURLToPath(new URL('./gbdt_sklearn.py', import.meta.url))

// A HIGGS-like table: 28 features, the class a noisy nonlinear function of a few of them.
function synthetic(n: number): Dataset {
  const rng = new Rng(seed)
  const rand = () => rng.next()
  const cols = 28
  const x = new Float32Array(n * cols)
  const labels = new Int32Array(n)
  for (let r = 0; r < n; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols)
    for (let c = 0; c < cols; c++) row[c] = rand() * 2 - 1 + (c % 3 === 0 ? rand() : 0)
    const score =
      Math.sin(3 * row[0]!) +
      row[1]! * row[2]! -
      Math.abs(row[3]!) +
      0.5 * row[4]! ** 2 -
      row[5]! +
      0.8 * (rand() - 0.5)
    labels[r] = score > 0 ? 1 : 0
  }
  return fromArrays({ name: 'synthetic', x, labels, sampleShape: [cols] })
}

async function load(name: string): Promise<Dataset> {
  return name === 'synthetic' ? synthetic(rows) : (await resolveDataset(name)).train
}

function kiln(train: Dataset, test: Dataset, cols: number) {
  const objective = train.numClasses === 2 ? 'binary' : 'multiclass'
  const started = performance.now()
  const booster = gbdtCreate({ x: train.x, y: Float32Array.from(train.labels), rows: train.count }, cols, {
    objective,
    numClasses: objective === 'multiclass' ? train.numClasses : 1,
    learningRate: PARAMS.learningRate,
    maxLeaves: PARAMS.maxLeaves,
    maxDepth: 0,
    minSamplesLeaf: PARAMS.minSamplesLeaf,
    l2: PARAMS.l2,
    maxBins: PARAMS.maxBins,
    rowSubsample: 1,
    colSubsample: 1,
    earlyStoppingRounds: 0,
    tolerance: 0,
    seed,
  })
  return gbdtBoost(booster, trees).then(() => {
    const trainMs = performance.now() - started
    const model = gbdtTrees(booster)
    const raw = gbdtPredict(model, test.x, cols)
    const k = model.baseScore.length
    let right = 0
    for (let r = 0; r < test.count; r++) {
      const row = raw.subarray(r * k, (r + 1) * k)
      const predicted = k === 1 ? Number(row[0]! > 0) : row.indexOf(Math.max(...row))
      right += Number(predicted === test.labels[r])
    }
    return { trainMs, accuracy: right / test.count }
  })
}

function sklearn(train: Dataset, test: Dataset, cols: number) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-gbdt-'))
  try {
    const f32 = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer)
    writeFileSync(join(dir, 'train_x.f32'), f32(train.x))
    writeFileSync(join(dir, 'train_y.f32'), f32(train.labels))
    writeFileSync(join(dir, 'test_x.f32'), f32(test.x))
    writeFileSync(join(dir, 'test_y.f32'), f32(test.labels))
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ cols, params: PARAMS }))
    // Debian's OpenBLAS tuning variables only for this command (they confuse its CPU probe here).
    const env = { ...process.env, OMP_NUM_THREADS: String(flags.threads) }
    delete env.OPENBLAS_CORETYPE
    delete env.OPENBLAS_L2_SIZE
    const run = spawnSync('/usr/bin/python3', [PEER, dir], { encoding: 'utf8', env })
    if (run.status !== 0) return { error: (run.stderr || run.error?.message || 'failed').trim().split('\n').at(-1)! }
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { trainMs: number; accuracy: number; sklearn: string }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const name of datasets) {
  const all = await load(name)
  const order = permutation(all.count, seed)
  const cut = Math.round(all.count * 0.8)
  const train = gather(all, order.subarray(0, cut))
  const test = gather(all, order.subarray(cut))
  const cols = all.x.length / all.count
  const common = { bench: 'gbdt', dataset: name, rows: train.count, features: cols, classes: all.numClasses, trees }
  const k = await kiln(train, test, cols)
  report(flags, { ...common, impl: 'kiln', threads: threads(), train_ms: k.trainMs, test_acc: k.accuracy })
  const s = sklearn(train, test, cols)
  if ('error' in s) {
    report(flags, { ...common, impl: 'sklearn', error: s.error })
    continue
  }
  report(flags, { ...common, impl: `sklearn ${s.sklearn}`, train_ms: s.trainMs, test_acc: s.accuracy })
  report(flags, {
    bench: 'gbdt',
    dataset: name,
    compare: 'kiln vs sklearn',
    acc_diff_points: (k.accuracy - s.accuracy) * 100,
    speedup: s.trainMs / k.trainMs,
  })
}
