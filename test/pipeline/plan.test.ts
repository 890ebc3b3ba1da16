// Pipeline files (issue 18): a good file plans into a DAG with parameters filled in; each
// malformed one is refused before anything runs, naming the step and the field.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { planPipeline } from '@kiln/pipeline'
import { documentValue } from '@kiln/train/spec'

const plan = suite('pipeline - plan and malformed files')

const SPEC = {
  name: 'quick',
  dataset: 'fashion-mnist',
  model: { builtin: 'mlp', hidden: [8] },
  training: { epochs: 1, limit: 200 },
}

function good(): Record<string, unknown> {
  return {
    name: 'retrain',
    params: { epochs: 2, threshold: 0.5, suffix: 'a' },
    steps: {
      gate: {
        kind: 'condition',
        when: 'test_accuracy >= ${params.threshold}',
        metrics: '${steps.evaluate.metrics}',
        champion: 'quick@champion',
      },
      prepare: { kind: 'transform', dataset: 'fashion', steps: { scale: 'minmax' }, to: 'prepared-${params.suffix}' },
      train: {
        kind: 'train',
        spec: SPEC,
        set: { dataset: '${steps.prepare.dataset}', 'training.epochs': '${params.epochs}' },
        retries: 2,
      },
      evaluate: { kind: 'evaluate', model: '${steps.train.model}' },
      register: { kind: 'register', model: '${steps.train.model}', alias: 'champion', after: ['gate'] },
    },
  }
}

/** The problem lines a value is refused with. */
function problems(value: unknown, params: Record<string, unknown> = {}): string[] {
  try {
    planPipeline(value, { source: 'p.yaml', params })
  } catch (err) {
    const message = (err as Error).message
    assert.match(message, /^p\.yaml: invalid pipeline \(\d+ problems?\):/)
    return message
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^ {2}- /, ''))
  }
  assert.unreachable('expected the pipeline to be refused')
  return []
}

function edit(change: (p: any) => void): Record<string, unknown> {
  const p = good() as any
  change(p)
  return p
}

plan('a good file becomes a plan: dependencies first, parameters filled in, references kept for run time', () => {
  const p = planPipeline(good(), { params: { epochs: 3 } })
  assert.equal(
    p.steps.map((s) => s.name),
    ['prepare', 'train', 'evaluate', 'gate', 'register'],
  )
  assert.equal(p.params, { epochs: 3, threshold: 0.5, suffix: 'a' })
  const train = p.steps.find((s) => s.name === 'train')!
  assert.equal(train.config.set, { dataset: '${steps.prepare.dataset}', 'training.epochs': 3 })
  assert.equal(train.deps, ['prepare'])
  assert.is(train.retries, 2)
  assert.equal(p.steps.find((s) => s.name === 'register')!.deps, ['train', 'gate'])
  assert.is(p.steps.find((s) => s.name === 'prepare')!.config.to, 'prepared-a')
  assert.is(p.steps.find((s) => s.name === 'gate')!.config.when, 'test_accuracy >= 0.5')
})

plan('an unknown kind, a missing field and an unknown key name the step', () => {
  const lines = problems(
    edit((p) => {
      p.steps.prepare.kind = 'transfrom'
      delete p.steps.evaluate.model
      p.steps.register.colour = 1
    }),
  )
  assert.ok(
    lines.includes(
      'steps.prepare.kind: expected one of import, transform, validate, split, train, sweep, evaluate, condition, register, score, deploy, got "transfrom" (did you mean "transform"?)',
    ),
    lines.join('\n'),
  )
  assert.ok(
    lines.some((l) => l.startsWith('steps.evaluate.model: expected a model version: a reference like')),
    lines.join('\n'),
  )
  assert.ok(
    lines.some((l) => l.startsWith('steps.register.colour: unknown key')),
    lines.join('\n'),
  )
})

plan('a canary: minAgreement needs shadow, and its shares are checked, each named by step and field', () => {
  const lines = problems(
    edit((p) => {
      p.steps.ship = { kind: 'deploy', model: '${steps.train.model}', endpoint: 'shop', canary: { minAgreement: 0.9 } }
      p.steps.shadowed = {
        kind: 'deploy',
        model: '${steps.train.model}',
        endpoint: 'shop',
        canary: { shadow: 'yes', minAgreement: 2 },
      }
    }),
  )
  assert.ok(
    lines.includes(
      'steps.ship.canary.minAgreement: expected shadow: true beside it (minAgreement judges a shadow), got 0.9',
    ),
    lines.join('\n'),
  )
  assert.ok(
    lines.some((l) => l.startsWith('steps.shadowed.canary.shadow: expected true or false')),
    lines.join('\n'),
  )
  assert.ok(
    lines.some((l) => l.startsWith('steps.shadowed.canary.minAgreement: expected a share from 0 to 1')),
    lines.join('\n'),
  )
})

plan('a score step: its model, dataset, to and shards are checked, and its dataset output needs to', () => {
  const ok = planPipeline(
    edit((p) => {
      p.steps.score = { kind: 'score', model: '${steps.train.model}', dataset: 'fashion', to: 'scored', shards: 4 }
      p.steps.retrain = { kind: 'train', spec: SPEC, set: { dataset: '${steps.score.dataset}' } }
    }),
    { source: 'p.yaml' },
  )
  assert.ok(ok.steps.some((s) => s.name === 'score' && s.kind === 'score'))
  const lines = problems(
    edit((p) => {
      p.steps.bad = { kind: 'score', model: '${steps.prepare.dataset}', dataset: 7, to: 'no spaces', shards: 0 }
      p.steps.missing = { kind: 'score', dataset: 'fashion' }
      p.steps.untold = { kind: 'score', model: 'quick@champion', dataset: 'fashion' }
      p.steps.after = { kind: 'train', spec: SPEC, set: { dataset: '${steps.untold.dataset}' } }
      p.steps.typo = { kind: 'score', model: 'quick@champion', dataset: 'fashion', shard: 2 }
    }),
  )
  const text = lines.join('\n')
  assert.match(text, /steps\.bad\.model: expected a model version, got \$\{steps\.prepare\.dataset\} \(a dataset\)/)
  assert.match(text, /steps\.bad\.dataset: expected a dataset name or id/)
  assert.match(text, /steps\.bad\.to: expected a name of A-Z a-z 0-9 _ -/)
  assert.match(text, /steps\.bad\.shards: expected a shard count from 1 to 4096/)
  assert.match(text, /steps\.missing\.model: /)
  assert.match(
    text,
    /steps\.after\.set\.dataset: expected untold to set to \(its dataset is given only then\), got \$\{steps\.untold\.dataset\}/,
  )
  assert.match(text, /steps\.typo\.shard: .*shards/)
})

plan('references: unknown step, unknown output, wrong type, unknown parameter, own outputs', () => {
  const lines = problems(
    edit((p) => {
      p.steps.train.set.dataset = '${steps.prepar.dataset}'
      p.steps.evaluate.model = '${steps.train.modle}'
      p.steps.register.model = '${steps.prepare.dataset}'
      p.steps.prepare.to = 'x-${params.sufix}'
      p.steps.gate.metrics = '${steps.gate.passed}'
    }),
  )
  const text = lines.join('\n')
  assert.match(
    text,
    /steps\.train\.set\.dataset: expected a step of this pipeline, got \$\{steps\.prepar\.dataset\} \(did you mean "steps\.prepare"\?\)/,
  )
  assert.match(
    text,
    /steps\.evaluate\.model: expected an output of train \(a train step gives model, metrics, job\), got \$\{steps\.train\.modle\}/,
  )
  assert.match(
    text,
    /steps\.register\.model: expected a model version, got \$\{steps\.prepare\.dataset\} \(a dataset\)/,
  )
  assert.match(
    text,
    /steps\.prepare\.to: expected a parameter of the pipeline \(epochs, threshold, suffix\), got \$\{params\.sufix\} \(did you mean "params\.suffix"\?\)/,
  )
  assert.match(text, /steps\.gate\.metrics: expected another step \(a step cannot use its own outputs\)/)
})

plan('a reference in a field that takes none, and a malformed reference', () => {
  const text = problems(
    edit((p) => {
      p.steps.register.alias = '${steps.train.model}'
      p.steps.prepare.dataset = '${prepare}'
    }),
  ).join('\n')
  assert.match(
    text,
    /steps\.register\.alias: expected a value \(this field takes no references\), got \$\{steps\.train\.model\}/,
  )
  assert.match(
    text,
    /steps\.prepare\.dataset: expected a reference like \$\{params\.NAME\} or \$\{steps\.STEP\.OUTPUT\}, got "\$\{prepare\}"/,
  )
})

plan('after: an unknown step and a cycle are refused', () => {
  assert.equal(problems(edit((p) => (p.steps.prepare.after = ['registr']))), [
    'steps.prepare.after[0]: expected another step of this pipeline, got "registr" (did you mean "register"?)',
  ])
  const cycle = problems(edit((p) => (p.steps.prepare.after = ['register'])))
  assert.is(cycle.length, 1)
  assert.match(cycle[0]!, /^steps\.\w+: expected no cycle, got (\w+ -> )+\w+$/)
})

plan('parameters: an unknown --param and a wrong type are refused', () => {
  const lines = problems(good(), { epoch: 3, threshold: 'high' })
  assert.equal(lines, [
    '--param epoch: expected a parameter of the pipeline (epochs, threshold, suffix), did you mean "epochs"?',
    '--param threshold: expected a number (as its default 0.5), got "high"',
  ])
})

plan("a step's job spec and overrides are checked as kiln submit would, named inside the step", () => {
  const lines = problems(
    edit((p) => {
      p.steps.train.spec = { ...SPEC, training: { epochs: 1, batchSize: 0 } }
      p.steps.train.set['optimizer.name'] = 'adm'
    }),
  )
  assert.ok(lines.includes('steps.train.spec.training.batchSize: expected a positive integer, got 0'), lines.join('\n'))
  assert.ok(
    lines.includes(
      'steps.train.set.optimizer.name: expected one of sgd, momentum, adam, rmsprop, got "adm" (did you mean "adam"?)',
    ),
    lines.join('\n'),
  )
  const sweep = problems(edit((p) => (p.steps.train.kind = 'sweep')))
  assert.ok(
    sweep.includes('steps.train.spec.search: expected a search section (a sweep step runs a sweep)'),
    sweep.join('\n'),
  )
  const badSpace = problems(
    edit((p) => {
      p.steps.train.kind = 'sweep'
      p.steps.train.spec = {
        ...SPEC,
        search: { algorithm: 'random', maxTrials: 2, space: { 'training.epoch': { choice: [1, 2] } } },
      }
    }),
  )
  assert.match(badSpace.join('\n'), /steps\.train\.spec\.search\.space\.training\.epoch/)
})

plan('a condition that does not parse names its position', () => {
  assert.equal(problems(edit((p) => (p.steps.gate.when = 'test_accuracy >= '))), [
    'steps.gate.when: expected a value after >= at position 18, got the end of the expression',
  ])
})

plan('triggers: a bad cron schedule and a trigger of two kinds', () => {
  const lines = problems(
    edit((p) => {
      p.triggers = [{ cron: '0 25 * * *' }, { dataset: 'fashion', drift: 'fashion' }, { cron: '* * *' }]
    }),
  )
  assert.equal(lines, [
    'triggers[0].cron: expected hour values from 0 to 23, got "25"',
    'triggers[1]: expected exactly one of dataset, drift or cron, got dataset and drift',
    'triggers[2].cron: expected 5 fields (minute hour day-of-month month day-of-week), got 3 in "* * *"',
  ])
})

plan('the file itself: no steps, a bad name, a bad step name, YAML that does not parse', () => {
  const lines = problems({ name: 'Bad Name', steps: {} })
  assert.ok(lines[0]!.startsWith('name: expected a name of 1-63 lowercase letters'), lines.join('\n'))
  assert.ok(lines.includes('steps: expected at least one step, got {}'), lines.join('\n'))
  assert.match(
    problems(edit((p) => (p.steps['bad name'] = { kind: 'train', spec: SPEC }))).join('\n'),
    /steps\.bad name: a step name is/,
  )
  assert.throws(
    () => documentValue('name: x\nsteps: [\n', 'p.yaml', 'pipeline'),
    /p\.yaml: invalid pipeline \(1 problem\):\n {2}- not valid YAML/,
  )
})

plan.run()
