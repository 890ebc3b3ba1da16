// The autopilot's sweep is an ordinary job spec: it validates, its conditional space passes
// the check every sweep gets before launch, and each family's parameters exist only for it.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  autopilotSpec,
  chooseFamilies,
  ensembleSpec,
  Family,
  familySpace,
  ProblemKind,
  refitBudgetOf,
} from '@kiln/autopilot'
import { parseSearchSpec, RandomSearcher, Rng } from '@kiln/sweep'
import { applyOverrides, checkSearchSpace, validateSpec } from '@kiln/train/spec'

const plan = suite('autopilot - the plan: one sweep over model families')

const problem = { kind: ProblemKind.multiclass, target: 'species', classNames: ['a', 'b', 'c'], missingTargets: 0 }

plan('families: what the spec knows and the data allows', () => {
  const all = () => true
  assert.equal(chooseFamilies({ problem: 'binary', images: false, missing: false, categorical: false }, all).families, [
    'gbdt',
    'linear',
    'mlp',
  ])
  assert.equal(
    chooseFamilies({ problem: 'multiclass', images: true, missing: false, categorical: false }, all).families,
    ['cnn', 'mlp'],
  )
  // Missing values: networks and linear models impute them (their preprocessing candidates).
  const gaps = chooseFamilies({ problem: 'binary', images: false, missing: true, categorical: false }, all)
  assert.equal(gaps.families, ['gbdt', 'linear', 'mlp'])
  assert.equal(
    chooseFamilies({ problem: 'regression', images: false, missing: false, categorical: false }, all).families,
    ['gbdt', 'linear'],
  )
  assert.throws(
    () =>
      chooseFamilies({ problem: 'regression', images: false, missing: true, categorical: false }, (f) => f === 'mlp'),
    /no model family can learn from this data: gbdt: not a model kind of this Kiln/,
  )
})

plan('the spec validates and its space passes the pre-launch check, for the families this Kiln knows', () => {
  const { families } = chooseFamilies({ problem: 'multiclass', images: false, missing: false, categorical: false })
  assert.ok(families.includes(Family.mlp))
  const spec = validateSpec(
    autopilotSpec({
      name: 'autopilot-iris',
      dataset: 'iris',
      problem,
      rows: 150,
      families,
      metric: 'accuracy',
      budgetMs: 120_000,
      concurrency: 2,
      seed: 7,
      hasTestSet: false,
      traits: { categorical: false, missing: false },
    }),
  )
  checkSearchSpace(spec)
  assert.equal(spec.metric, { name: 'val_accuracy', mode: 'max' })
  const search = parseSearchSpec(spec.search, { metric: spec.metric })
  assert.is(search.scheduler.name, 'asha')
  assert.is(search.maxRuntimeMs, 96_000, 'the search gets 80% of the budget')
})

plan(
  'images (cnn and mlp, 6 epochs) and regression (gbdt and linear, val_loss) plan specs pass the same checks',
  () => {
    const base = {
      name: 'autopilot-x',
      dataset: 'x',
      rows: 1000,
      budgetMs: 600_000,
      concurrency: 2,
      seed: 1,
      hasTestSet: true,
      traits: { categorical: false, missing: false },
    }
    const images = validateSpec(
      autopilotSpec({ ...base, problem, families: [Family.cnn, Family.mlp], metric: 'accuracy' }),
    )
    checkSearchSpace(images)
    assert.is(images.training.epochs, 6)
    const regression = validateSpec(
      autopilotSpec({
        ...base,
        problem: { kind: ProblemKind.regression, target: 'y', missingTargets: 0 },
        families: [Family.gbdt, Family.linear],
        metric: 'rmse',
      }),
    )
    checkSearchSpace(regression)
    assert.equal(regression.metric, { name: 'val_loss', mode: 'min' })
    assert.is(regression.training.epochs, 9)
  },
)

plan('a key several families use is one dimension over the union of their ranges, for all of them', () => {
  const space = familySpace([Family.gbdt, Family.linear, Family.mlp], ProblemKind.binary, 1000) as Record<
    string,
    Record<string, unknown>
  >
  assert.equal(space.model, {
    choice: [{ builtin: 'gbdt', trees: 300, earlyStopping: 20 }, { builtin: 'linear' }, { builtin: 'mlp' }],
  })
  assert.equal(space['optimizer.learningRate'], {
    loguniform: [3e-4, 0.1],
    when: { 'model.builtin': ['linear', 'mlp'] },
  })
  assert.equal(space['model.maxLeaves']!.when, { 'model.builtin': 'gbdt' })
  // Every sample has exactly its family's keys.
  const parsed = parseSearchSpec({ maxTrials: 1, space }, { metric: { name: 'val_accuracy', mode: 'max' } })
  const searcher = new RandomSearcher(parsed.space)
  const rng = new Rng(3)
  for (let i = 0; i < 30; i++) {
    const p = searcher.ask({ rng, history: () => [], started: i })
    const family = (p.model as { builtin: string }).builtin
    assert.is('model.maxLeaves' in p, family === 'gbdt', JSON.stringify(p))
    assert.is('model.hidden' in p, family === 'mlp', JSON.stringify(p))
    assert.is('optimizer.learningRate' in p, family !== 'gbdt', JSON.stringify(p))
  }
})

plan('preprocessing candidates: categories one-hot for every family, impute and scale for networks only', () => {
  const spec = validateSpec(
    autopilotSpec({
      name: 'autopilot-shop',
      dataset: 'shop',
      problem: { ...problem, kind: ProblemKind.binary, classNames: ['no', 'yes'] },
      rows: 500,
      families: [Family.gbdt, Family.linear, Family.mlp],
      metric: 'accuracy',
      budgetMs: 60_000,
      concurrency: 2,
      seed: 3,
      hasTestSet: false,
      traits: { categorical: true, missing: true },
    }),
  )
  checkSearchSpace(spec)
  // Trees keep the base section: categories one-hot encoded, gaps left for them to learn.
  assert.equal(spec.preprocessing, { oneHot: 'all' })
  const space = (spec.search as { space: Record<string, { choice: unknown[]; when: unknown }> }).space
  assert.equal(space.preprocessing!.when, { 'model.builtin': ['linear', 'mlp'] })
  assert.equal(space.preprocessing!.choice, [
    { impute: 'mean', oneHot: 'all', scale: 'standard' },
    { impute: 'mean', oneHot: 'all' },
    { impute: 'median', oneHot: 'all', scale: 'standard' },
    { impute: 'median', oneHot: 'all' },
  ])
  const parsed = parseSearchSpec(spec.search, { metric: spec.metric })
  const searcher = new RandomSearcher(parsed.space)
  const rng = new Rng(5)
  for (let i = 0; i < 30; i++) {
    const p = searcher.ask({ rng, history: () => [], started: i })
    const trial = applyOverrides(spec, p)
    const family = (p.model as { builtin: string }).builtin
    assert.is('preprocessing' in p, family !== 'gbdt', JSON.stringify(p))
    assert.is(trial.preprocessing?.oneHot, 'all', JSON.stringify(trial.preprocessing))
    assert.is(trial.preprocessing?.impute !== undefined, family !== 'gbdt', JSON.stringify(trial.preprocessing))
  }
  // Without categories or gaps, "no preprocessing" is a candidate: null leaves the section out.
  const plain = familySpace([Family.linear], ProblemKind.binary, 500) as Record<string, { choice: unknown[] }>
  assert.equal(plain.preprocessing!.choice, [{ scale: 'standard' }, null])
  const base = validateSpec({
    name: 'x',
    dataset: 'x',
    model: { builtin: 'linear' },
    preprocessing: { scale: 'standard' },
  })
  assert.not.ok('preprocessing' in applyOverrides(base, { preprocessing: null }))
})

plan('images: augmentation (flip, shift or none) and batch norm are choices of CNN trials only', () => {
  const spec = validateSpec(
    autopilotSpec({
      name: 'autopilot-fashion',
      dataset: 'fashion-mnist',
      problem,
      rows: 60_000,
      families: [Family.cnn, Family.mlp],
      metric: 'accuracy',
      budgetMs: 600_000,
      concurrency: 2,
      seed: 3,
      hasTestSet: true,
      traits: { categorical: false, missing: false, imageSide: 28 },
    }),
  )
  checkSearchSpace(spec)
  assert.not.ok('preprocessing' in spec)
  const space = (spec.search as { space: Record<string, { choice: unknown[]; when: unknown }> }).space
  assert.equal(space.preprocessing!.when, { 'model.builtin': 'cnn' })
  assert.equal(space['model.batchNorm']!.when, { 'model.builtin': ['cnn', 'mlp'] })
  assert.equal(space.preprocessing!.choice, [
    null,
    { augment: { flip: 'horizontal' } },
    { augment: { shift: 2 } },
    { augment: { flip: 'horizontal', shift: 2 } },
  ])
  const parsed = parseSearchSpec(spec.search, { metric: spec.metric })
  const searcher = new RandomSearcher(parsed.space)
  const rng = new Rng(9)
  const seen = new Set<string>()
  for (let i = 0; i < 40; i++) {
    const p = searcher.ask({ rng, history: () => [], started: i })
    const trial = applyOverrides(spec, p)
    const family = (p.model as { builtin: string }).builtin
    assert.is('preprocessing' in p, family === 'cnn', JSON.stringify(p))
    if (family !== 'cnn') assert.not.ok(trial.preprocessing, JSON.stringify(trial.preprocessing))
    else seen.add(JSON.stringify(trial.preprocessing?.augment ?? 'none'))
  }
  assert.ok(seen.size >= 3, `CNN trials drew several augmentations: ${[...seen].join(', ')}`)
})

plan("the ensemble's refit gets the budget's last tenth, the same each time the command runs", () => {
  assert.is(refitBudgetOf(600_000), 60)
  assert.is(refitBudgetOf(30_000), 3)
  assert.is(refitBudgetOf(65_500), 6)
  const sweep = autopilotSpec({
    name: 'iris',
    dataset: 'iris',
    problem,
    rows: 150,
    families: [Family.gbdt, Family.linear],
    metric: 'accuracy',
    budgetMs: 60_000,
    concurrency: 2,
    seed: 1,
    hasTestSet: false,
    traits: { categorical: false, missing: false },
  })
  const candidates = [{ id: 't1', params: { model: { builtin: 'gbdt' } }, artifact: 'iris/t1', value: 0.9 }]
  const withBudget = validateSpec(ensembleSpec(sweep, candidates, 'accuracy', true, 12), 'ensemble')
  assert.is((withBudget.model as { refitBudget?: number }).refitBudget, 12)
  const noRefit = ensembleSpec(sweep, candidates, 'accuracy', false, 12).model as Record<string, unknown>
  assert.is(noRefit.refitBudget, undefined, 'no budget without refit (the spec refuses one)')
})

plan.run()
