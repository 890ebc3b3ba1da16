// builtin: ensemble through the ordinary training path: candidates' files in, a weighted
// ensemble selected on the validation split, evaluated on the test split, saved as one model
// (ensemble.json + each member's files under its prefix) that loads back and predicts alike.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { applyPreprocessing, fromArrays, resolveDataset } from '@kiln/data'
import {
  ModelFormatError,
  parseSpec,
  scoreShard,
  trainLocal,
  type KilnModelMetadata,
  type ModelFiles,
} from '@kiln/train'
import { ENSEMBLE_JSON, MEMBER_KINDS, MODEL_KINDS, filesUnder, gbdtKind, loadPredictor, tfjsKind } from '@kiln/train'
import { evaluatePredictor, parseEnsembleModel } from '@kiln/train'
import { runKiln } from '../helpers/kiln-process.js'
import { Rng } from '@kiln/protocol'
import { tempDir } from './synthetic.js'

const quiet = () => {}

// 600 rows, 4 features; the class is the sign of x0 + x1/2 plus noise: learnable, not perfectly.
function noisyTable() {
  const rng = new Rng(11)
  const rows = 600
  const x = Float32Array.from({ length: rows * 4 }, () => rng.uniform(-1, 1))
  const labels = Int32Array.from({ length: rows }, (_, r) =>
    x[r * 4]! + 0.5 * x[r * 4 + 1]! + rng.normal() * 0.3 > 0 ? 1 : 0,
  )
  return fromArrays({
    name: 'noisy',
    x,
    labels,
    sampleShape: [4],
    featureNames: ['a', 'b', 'c', 'd'],
    classNames: ['no', 'yes'],
  })
}

function readDir(dir: string): ModelFiles {
  return new Map(readdirSync(dir).map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]))
}

// Two candidates of different kinds, trained on the ensemble's splits: gbdt trees that stop
// early and a small MLP; their files (as "m/trees" and "m/net") and kiln-model.json.
async function treesAndNet(data: ReturnType<typeof noisyTable>, dir: string) {
  const training = 'training: { epochs: 4, batchSize: 32, validationSplit: 0.25, testSplit: 0.2, seed: 5 }'
  const candidates = new Map<string, ModelFiles>()
  const trained: Record<string, KilnModelMetadata> = {}
  for (const [name, model] of [
    ['trees', '{ builtin: gbdt, trees: 400, learningRate: 0.3, earlyStopping: 5 }'],
    ['net', '{ builtin: mlp, hidden: [16] }'],
  ] as const) {
    const spec = parseSpec(
      `name: ${name}\ndataset: noisy\nmodel: ${model}\noptimizer: { learningRate: 0.01 }\n${training}\n`,
    )
    const result = await trainLocal(spec, { outDir: join(dir, name), datasets: { train: data }, log: quiet })
    candidates.set(`m/${name}`, readDir(result.modelDir!))
    trained[name] = JSON.parse(readFileSync(join(result.modelDir!, 'kiln-model.json'), 'utf8'))
  }
  return { candidates, trained }
}

const ens = suite('train - builtin ensemble')

ens('two MLPs become one ensemble model: selected on validation, evaluated on test, saved and reloaded', async () => {
  const data = noisyTable()
  const dir = tempDir()
  try {
    const candidates = new Map<string, ModelFiles>()
    for (const [i, hidden] of [[16], [8, 8]].entries()) {
      const spec = parseSpec(
        `name: m\ndataset: noisy\nmodel: { builtin: mlp, hidden: ${JSON.stringify(hidden)} }\noptimizer: { learningRate: 0.01 }\ntraining: { epochs: 3, batchSize: 32, validationSplit: 0.25, testSplit: 0.2, seed: 5 }\n`,
      )
      const result = await trainLocal(spec, { outDir: join(dir.dir, `m${i}`), datasets: { train: data }, log: quiet })
      candidates.set(`m/${i}`, readDir(result.modelDir!))
    }
    const spec = parseSpec(
      'name: ens\ndataset: noisy\nmodel: { builtin: ensemble, members: [{ artifact: m/0, label: trial-1, family: mlp }, { artifact: m/1, label: trial-2, family: mlp }], rounds: 10 }\ntraining: { validationSplit: 0.25, testSplit: 0.2, seed: 5 }\n',
    )
    const epochs: Record<string, number>[] = []
    const result = await trainLocal(spec, {
      outDir: join(dir.dir, 'ens'),
      datasets: { train: data },
      candidates,
      log: quiet,
      onEpoch: (e) => epochs.push(e.metrics),
    })
    assert.is(epochs.length, 1, 'one report: the ensemble on the validation split')
    assert.ok(epochs[0]!.val_accuracy! > 0.75, `val accuracy ${epochs[0]!.val_accuracy}`)
    assert.ok(result.metrics.test!.accuracy > 0.75, `test accuracy ${result.metrics.test!.accuracy}`)
    assert.is(result.metrics.test!.evaluation?.task, 'classification')
    const files = readDir(result.modelDir!)
    assert.ok(files.has(ENSEMBLE_JSON) && files.has('kiln-model.json') && files.has('m0.model.json'))
    const info = JSON.parse(new TextDecoder().decode(files.get(ENSEMBLE_JSON)))
    assert.is(info.format, 'kiln-ensemble/1')
    assert.equal(info.classNames, ['no', 'yes'])
    assert.ok(Math.abs(info.members.reduce((s: number, m: { weight: number }) => s + m.weight, 0) - 1) < 1e-9)
    assert.ok(info.selection.loss <= info.selection.bestSingleLoss + 1e-12, 'never worse than the best candidate')
    assert.is(info.explanation.importance[0].feature, 'a', 'the class depends most on a')
    assert.is(info.explanation.importance.at(-1).importance < 0.02, true, 'c and d do not matter')
    // Reloaded from its files (as a server would), it predicts what it predicted before.
    const reloaded = await loadPredictor(files, 'ens', MODEL_KINDS)
    const x = data.x.subarray(0, 40)
    const again = await reloaded.predict(x, 10)
    const direct = await (await parseEnsembleModel(files, 'ens', MEMBER_KINDS)).predict(x, 10)
    assert.equal(Array.from(again), Array.from(direct))
    assert.is(reloaded.outputs, 2)
    // A transform scores through the same model kinds: the ensemble's rows as it predicts them.
    const shard = await scoreShard({
      files,
      dataset: { train: data },
      shard: { index: 0, count: 60 },
      batchSize: 4,
      where: 'ens',
    })
    assert.is(shard.rows, 10)
    assert.equal(Array.from(shard.data), Array.from(again))
    reloaded.dispose()
  } finally {
    dir.remove()
  }
})

ens(
  'refit: the chosen members train again on training + validation rows, as long as they trained, never on a test row',
  async () => {
    const data = noisyTable()
    const dir = tempDir()
    try {
      const { candidates, trained } = await treesAndNet(data, dir.dir)
      const kept = JSON.parse(new TextDecoder().decode(candidates.get('m/trees')!.get('gbdt.json')))
      const keptRounds = kept.roots.length
      assert.ok(keptRounds < 400, `early stopping kept ${keptRounds} of 400 rounds`)
      const ensembleSpec = (refit: boolean) =>
        parseSpec(
          `name: ens\ndataset: noisy\nmodel: { builtin: ensemble, members: [{ artifact: m/trees, label: trees }, { artifact: m/net, label: net }], rounds: 10, refit: ${refit} }\ntraining: { validationSplit: 0.25, testSplit: 0.2, seed: 5 }\n`,
        )
      const logs: Record<string, unknown>[] = []
      let before: Awaited<ReturnType<typeof trainLocal>> | undefined
      let after: typeof before
      for (const r of [false, true]) {
        const result = await trainLocal(ensembleSpec(r), {
          outDir: join(dir.dir, `ens-${r}`),
          datasets: { train: data },
          candidates,
          log: (rec) => logs.push(rec),
        })
        if (r) after = result
        else before = result
      }
      const files = readDir(after!.modelDir!)
      const info = JSON.parse(new TextDecoder().decode(files.get(ENSEMBLE_JSON)))
      // 600 rows: 120 held out for test, the other 480 (360 training + 120 validation) for the refit.
      assert.equal(info.members.map((m: { label: string }) => m.label).sort(), ['net', 'trees'], 'both kinds refit')
      assert.is(info.refit.rows, 480)
      assert.is(info.refit.members.length, info.members.length)
      for (const [k, m] of info.members.entries()) {
        const meta: KilnModelMetadata = JSON.parse(new TextDecoder().decode(files.get(`${m.prefix}kiln-model.json`)))
        assert.is(meta.dataset.count, 480, `${m.label} trained on training + validation rows`)
        assert.is(meta.hyperparameters.training.validationSplit, 0)
        assert.is(meta.hyperparameters.training.testSplit, 0.2)
        assert.is(meta.dataset.fingerprint, trained[m.label]!.dataset.fingerprint)
        const length = info.refit.members[k]
        assert.is(length.label, m.label)
        if (m.label === 'trees') {
          assert.is(length.rounds, keptRounds)
          const refitTrees = JSON.parse(new TextDecoder().decode(files.get(`${m.prefix}gbdt.json`)))
          assert.is(refitTrees.roots.length, keptRounds, 'all the kept rounds, no early stop')
          assert.is((meta.hyperparameters.model as { earlyStopping: number }).earlyStopping, 0)
        } else {
          assert.is(length.epochs, trained.net!.training.epochsRun)
          assert.is(meta.training.epochsRun, trained.net!.training.epochsRun)
        }
      }
      // The same members and weights as without refit; the models themselves are new.
      const plainInfo = JSON.parse(readFileSync(join(before!.modelDir!, ENSEMBLE_JSON), 'utf8'))
      assert.equal(
        info.members.map((m: { label: string; weight: number }) => [m.label, m.weight]),
        plainInfo.members.map((m: { label: string; weight: number }) => [m.label, m.weight]),
      )
      assert.equal(info.selection, plainInfo.selection)
      assert.ok(after!.metrics.test!.accuracy > 0.75, `test accuracy ${after!.metrics.test!.accuracy}`)
      const x = data.x.subarray(0, 40)
      const refitPredicts = await (await parseEnsembleModel(files, 'ens', MEMBER_KINDS)).predict(x, 10)
      const plainPredicts = await (await parseEnsembleModel(readDir(before!.modelDir!), 'ens', MEMBER_KINDS)).predict(
        x,
        10,
      )
      assert.not.equal(Array.from(refitPredicts), Array.from(plainPredicts))
      assert.ok(
        logs.some((l) => l.msg === 'member refit on training and validation rows'),
        'the trial log says each member was refit',
      )
      // A member trained by a script cannot be refit (its code is not in the ensemble's job).
      const scripted = new Map(candidates.get('m/net')!)
      const meta = JSON.parse(new TextDecoder().decode(scripted.get('kiln-model.json')))
      meta.hyperparameters.model = { script: './trial.ts', params: {} }
      scripted.set('kiln-model.json', new TextEncoder().encode(JSON.stringify(meta)))
      const refused = await trainLocal(ensembleSpec(true), {
        outDir: join(dir.dir, 'ens-scripted'),
        datasets: { train: data },
        candidates: new Map([...candidates, ['m/net', scripted]]),
        log: quiet,
      }).then(
        () => undefined,
        (err: Error) => err,
      )
      assert.ok(refused, 'refused')
      assert.match(refused.message, /model\.refit/)
      assert.match(refused.message, /trained by \.\/trial\.ts/)
    } finally {
      dir.remove()
    }
  },
)

ens(
  'refitBudget: members refit heaviest first while their estimated time fits; the rest keep their selected model',
  async () => {
    const data = noisyTable()
    const dir = tempDir()
    try {
      const { candidates } = await treesAndNet(data, dir.dir)
      // The net says it trained at one sample a second: its refit (4 epochs of 480 rows) would
      // take about half an hour, far past the budget; the trees' recorded speed is their own.
      const net = candidates.get('m/net')!
      const netMeta = JSON.parse(new TextDecoder().decode(net.get('kiln-model.json')))
      netMeta.training.samplesPerSecond = 1
      net.set('kiln-model.json', new TextEncoder().encode(JSON.stringify(netMeta)))
      const spec = (model: string) =>
        parseSpec(
          `name: ens\ndataset: noisy\nmodel: { builtin: ensemble, members: [{ artifact: m/trees, label: trees }, { artifact: m/net, label: net }], rounds: 10, ${model} }\ntraining: { validationSplit: 0.25, testSplit: 0.2, seed: 5 }\n`,
        )
      const logs: Record<string, unknown>[] = []
      const infoOf = async (model: string, out: string) => {
        const result = await trainLocal(spec(model), {
          outDir: join(dir.dir, out),
          datasets: { train: data },
          candidates,
          log: (rec) => logs.push(rec),
        })
        const files = readDir(result.modelDir!)
        return { files, info: JSON.parse(new TextDecoder().decode(files.get(ENSEMBLE_JSON))) }
      }
      const partial = await infoOf('refit: true, refitBudget: 600', 'partial')
      assert.equal(partial.info.members.map((m: { label: string }) => m.label).sort(), ['net', 'trees'])
      assert.equal(
        partial.info.refit.members.map((m: { label: string }) => m.label),
        ['trees'],
        'the trees fit in the budget',
      )
      assert.is(partial.info.refit.kept.length, 1)
      assert.is(partial.info.refit.kept[0].label, 'net')
      assert.match(partial.info.refit.kept[0].reason, /about 1920 s, with \d+(\.\d)? s of model\.refitBudget left/)
      for (const m of partial.info.members) {
        const meta: KilnModelMetadata = JSON.parse(
          new TextDecoder().decode(partial.files.get(`${m.prefix}kiln-model.json`)),
        )
        // The refit trees saw training + validation rows; the kept net is the selected model, byte for byte.
        if (m.label === 'trees') assert.is(meta.dataset.count, 480)
        else
          assert.equal(
            Array.from(partial.files.get(`${m.prefix}model.json`)!),
            Array.from(net.get('model.json')!),
            'the kept net is the selected one',
          )
      }
      assert.ok(
        logs.some((l) => l.msg === 'member kept as selected' && l.member === 'net'),
        'the trial log says which member was kept and why',
      )
      // No time at all: every member is kept, and the ensemble predicts as it would without refit.
      const none = await infoOf('refit: true, refitBudget: 0', 'none')
      const plain = await infoOf('refit: false', 'plain')
      assert.equal(none.info.refit.members, [])
      assert.equal(none.info.refit.kept.map((k: { label: string }) => k.label).sort(), ['net', 'trees'])
      const x = data.x.subarray(0, 40)
      const predict = async (files: ModelFiles) =>
        Array.from(await (await parseEnsembleModel(files, 'ens', MEMBER_KINDS)).predict(x, 10))
      assert.equal(await predict(none.files), await predict(plain.files))
      // A budget without refit says what it needs.
      assert.throws(() => spec('refit: false, refitBudget: 60'), /model\.refitBudget.*model\.refit is true/s)
    } finally {
      dir.remove()
    }
  },
)

// 600 rows: a number, a category (0 blue, 1 green, 2 red, as a CSV's text column is stored) and
// a number on another scale; the class depends on the first number and whether it is red.
function categoricalTable() {
  const rng = new Rng(4)
  const rows = 600
  const x = new Float32Array(rows * 3)
  const labels = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    x[r * 3] = rng.uniform(-1, 1)
    x[r * 3 + 1] = rng.int(3)
    x[r * 3 + 2] = rng.uniform(0, 100)
    labels[r] = x[r * 3]! + (x[r * 3 + 1] === 2 ? 0.6 : -0.2) + 0.2 * rng.normal() > 0 ? 1 : 0
  }
  return fromArrays({
    name: 'shop',
    x,
    labels,
    sampleShape: [3],
    featureNames: ['a', 'color', 'b'],
    classNames: ['no', 'yes'],
    categories: [{ feature: 1, values: ['blue', 'green', 'red'] }],
  })
}

ens(
  'members trained with different preprocessing: the ensemble takes raw rows, each member applies its own steps',
  async () => {
    const data = categoricalTable()
    const dir = tempDir()
    try {
      const candidates = new Map<string, ModelFiles>()
      const members = [
        ['linear', '{ builtin: linear }', '{ oneHot: all, scale: standard }'],
        ['gbdt', '{ builtin: gbdt, trees: 30 }', '{ oneHot: all }'],
      ] as const
      for (const [family, model, preprocessing] of members) {
        const spec = parseSpec(
          `name: m\ndataset: shop\nmodel: ${model}\npreprocessing: ${preprocessing}\noptimizer: { learningRate: 0.05 }\ntraining: { epochs: 4, batchSize: 32, validationSplit: 0.25, testSplit: 0.2, seed: 5 }\n`,
        )
        const result = await trainLocal(spec, { outDir: join(dir.dir, family), datasets: { train: data }, log: quiet })
        candidates.set(`m/${family}`, readDir(result.modelDir!))
      }
      // No preprocessing section: before, the text feature "color" had the ensemble refused.
      const spec = parseSpec(
        'name: ens\ndataset: shop\nmodel: { builtin: ensemble, members: [{ artifact: m/linear, label: l }, { artifact: m/gbdt, label: g }], rounds: 10 }\ntraining: { validationSplit: 0.25, testSplit: 0.2, seed: 5 }\n',
      )
      const result = await trainLocal(spec, {
        outDir: join(dir.dir, 'ens'),
        datasets: { train: data },
        candidates,
        log: quiet,
      })
      assert.ok(result.metrics.test!.accuracy > 0.8, `test accuracy ${result.metrics.test!.accuracy}`)
      const files = readDir(result.modelDir!)
      const info = JSON.parse(new TextDecoder().decode(files.get(ENSEMBLE_JSON))) as {
        sampleShape: number[]
        members: { prefix: string; weight: number }[]
        explanation: { importance: { feature: string }[] }
      }
      assert.equal(info.sampleShape, [3], 'the raw features')
      assert.equal(info.explanation.importance.map((i) => i.feature).sort(), ['a', 'b', 'color'])
      // Offline, member by member: its saved steps applied by hand, then the bare model.
      const x = Float32Array.from([-0.2, 2, 50, -0.2, 0, 50, -0.8, 2, 10])
      const want = new Float32Array(6)
      for (const m of info.members) {
        const own = filesUnder(files, m.prefix)
        const meta = JSON.parse(new TextDecoder().decode(own.get('kiln-model.json'))) as KilnModelMetadata
        assert.is(meta.preprocessing!.oneHot.length, 1, `${m.prefix} one-hot encodes color`)
        own.delete('kiln-model.json')
        const bare = await loadPredictor(own, m.prefix, [gbdtKind, tfjsKind])
        const part = await bare.predict(applyPreprocessing(meta.preprocessing!, x, 3), 3)
        bare.dispose()
        for (let k = 0; k < 6; k++) want[k]! += m.weight * part[k]!
      }
      const served = await loadPredictor(files, 'ens', MODEL_KINDS)
      assert.equal(served.sampleShape, [3])
      const got = await served.predict(x, 3)
      served.dispose()
      for (let k = 0; k < 6; k++) assert.ok(Math.abs(got[k]! - want[k]!) < 1e-6, `output ${k}: ${got[k]} vs ${want[k]}`)
      assert.ok(got[1]! > 0.5 && got[3]! < 0.5, 'red matters: yes for the red row, no for the blue one')

      // kiln eval on the table as a CSV holds it (color as text): the same figures, on raw rows.
      const colors = ['blue', 'green', 'red']
      const lines = ['a,color,b,label']
      for (let r = 0; r < data.count; r++)
        lines.push(
          `${data.x[r * 3]},${colors[data.x[r * 3 + 1]!]},${data.x[r * 3 + 2]},${data.labels[r] ? 'yes' : 'no'}`,
        )
      writeFileSync(join(dir.dir, 'shop.csv'), `${lines.join('\n')}\n`)
      const table = (await resolveDataset(join(dir.dir, 'shop.csv'))).train
      const offline = await loadPredictor(files, 'ens', MODEL_KINDS)
      const expected = (await evaluatePredictor(offline, table)).metrics
      offline.dispose()
      const run = await runKiln(['eval', result.modelDir!, 'shop.csv', '--json'], dir.dir, {
        KILN_NATS_URL: '',
        KILN_DIR: join(dir.dir, '.no-cluster'),
      })
      assert.is(run.code, 0, run.stderr)
      const evaluated = JSON.parse(run.stdout) as { count: number; evaluation: { accuracy: number } }
      assert.is(evaluated.count, 600)
      assert.is(evaluated.evaluation.accuracy, expected.accuracy)
      assert.ok(expected.accuracy! > 0.8, `accuracy ${expected.accuracy}`)

      // A member whose saved preprocessing does not fit it is refused, naming the field.
      const broken = new Map(candidates.get('m/linear')!)
      const meta = JSON.parse(new TextDecoder().decode(broken.get('kiln-model.json'))) as KilnModelMetadata
      meta.preprocessing!.keep = [0, 7]
      broken.set('kiln-model.json', new TextEncoder().encode(JSON.stringify(meta)))
      await loadPredictor(broken, 'broken', MEMBER_KINDS).then(
        () => assert.unreachable('expected a ModelFormatError'),
        (err: Error) => {
          assert.instance(err, ModelFormatError)
          assert.match(err.message, /preprocessing\.keep: expected features below 3/)
        },
      )
    } finally {
      dir.remove()
    }
  },
)

ens('an ensemble.json that lies about its members is refused with the field named', async () => {
  {
    const bad = (info: Record<string, unknown>) =>
      parseEnsembleModel(
        new Map([[ENSEMBLE_JSON, new TextEncoder().encode(JSON.stringify(info))]]),
        'bad-model',
        MEMBER_KINDS,
      ).then(
        () => assert.unreachable('expected a ModelFormatError'),
        (err: unknown) => {
          assert.instance(err, ModelFormatError)
          return (err as Error).message
        },
      )
    const base = {
      format: 'kiln-ensemble/1',
      task: 'classification',
      sampleShape: [4],
      outputs: 2,
      classNames: ['a', 'b'],
    }
    assert.match(await bad({ ...base, members: [] }), /members: expected a non-empty list/)
    assert.match(
      await bad({ ...base, members: [{ prefix: 'm0.', weight: 0.5, label: 'x' }] }),
      /members: expected weights summing to 1, got 0.5/,
    )
    assert.match(
      await bad({ ...base, members: [{ prefix: '../', weight: 1, label: 'x' }] }),
      /members\[0\]\.prefix: expected "m0\."/,
    )
    assert.match(
      await bad({ ...base, members: [{ prefix: 'm0.', weight: 1, label: 'x' }] }),
      /no model file a predictor reads/,
    )
  }
})

ens('an ensemble spec names its candidates; a missing one or no validation split is refused', async () => {
  const data = noisyTable()
  const dir = tempDir()
  try {
    const run = (yaml: string) =>
      trainLocal(parseSpec(yaml), {
        outDir: join(dir.dir, 'e'),
        datasets: { train: data },
        candidates: new Map(),
        log: quiet,
      }).then(
        () => assert.unreachable('expected a refusal'),
        (err: Error) => err.message,
      )
    assert.match(
      await run('name: e\ndataset: noisy\nmodel: { builtin: ensemble, members: [{ artifact: m/9 }] }\n'),
      /model\.members: expected the files of m\/9, got nothing/,
    )
    assert.match(
      await run(
        'name: e\ndataset: noisy\nmodel: { builtin: ensemble, members: [{ artifact: m/9 }] }\ntraining: { validationSplit: 0 }\nmetric: { name: accuracy }\n',
      ),
      /training\.validationSplit: expected a validation split to select the ensemble on/,
    )
    assert.throws(() => parseSpec('name: e\ndataset: d\nmodel: { builtin: ensemble, members: [] }\n'), /model\.members/)
  } finally {
    dir.remove()
  }
})

ens.run()
