// kiln data transform, validate and show (issue 18) against a real nats-server: a transformed
// dataset is a new stored version with its lineage and statistics; validate reports every
// check and exits 1 on a failure; bad files are refused naming the field, storing nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { listDatasets, type DatasetRecord } from '@kiln/data'
import { kilnInProcess } from '../helpers/cli-in-process.js'
import { loud } from '../helpers/hooks.js'
import { startLayout, type TestLayout } from '../helpers/layout.js'
import { writeMixedCsv } from '../train/synthetic.js'

type Ctx = { cluster?: TestLayout; dir?: string }
const cli = suite<Ctx>('data - kiln data transform, validate and show')

cli.before(
  loud(async (ctx) => {
    ctx.cluster = await startLayout()
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-prepare-cli-'))
    writeMixedCsv(ctx.dir, 90)
    writeFileSync(join(ctx.dir, 'steps.yaml'), 'drop: [weight]\nimpute: median\noneHot: [color]\nscale: minmax\n')
    writeFileSync(
      join(ctx.dir, 'schema.yaml'),
      'rows: { min: 50 }\nfeatures:\n  size: { type: number, min: 0, max: 30, maxMissing: 0.3 }\n  color: { type: categorical, values: [red, green, blue] }\nlabel: { minShare: 0.2 }\n',
    )
    writeFileSync(join(ctx.dir, 'strict.yaml'), 'features:\n  size: { maxMissing: 0 }\n  weight: { max: 60 }\n')
  }),
)
cli.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

const kiln = (args: string[], ctx: Ctx) => kilnInProcess(args, ctx.dir!, ctx.cluster!.server.url)

cli('transform stores a new dataset with its lineage; show prints its statistics', async (ctx) => {
  const imported = await kiln(['data', 'import', 'people.csv', '--name', 'people', '--json'], ctx)
  assert.is(imported.code, 0, imported.stderr)
  const source = (JSON.parse(imported.stdout) as { dataset: DatasetRecord }).dataset
  assert.equal(source.categories, [{ feature: 1, values: ['blue', 'green', 'red'] }])

  const run = await kiln(
    ['data', 'transform', 'people', '--steps', 'steps.yaml', '--to', 'people-prepared', '--json'],
    ctx,
  )
  assert.is(run.code, 0, run.stderr + run.stdout)
  const made = (JSON.parse(run.stdout) as { dataset: DatasetRecord }).dataset
  assert.is(made.name, 'people-prepared')
  assert.equal(made.sampleShape, [4])
  assert.equal(made.featureNames, ['size', 'color=blue', 'color=green', 'color=red'])
  assert.is(made.lineage?.sourceId, source.id)
  assert.equal(made.lineage?.steps, {
    drop: ['weight'],
    impute: { strategy: 'median' },
    oneHot: ['color'],
    scale: { method: 'minmax' },
  })
  assert.ok(
    made.stats.features.every((f) => f.min >= 0 && f.max <= 1 && f.count === 90),
    'min-max scaled, nothing missing',
  )

  const show = await kiln(['data', 'show', 'people-prepared'], ctx)
  assert.is(show.code, 0, show.stderr)
  assert.match(show.stdout, /^people-prepared {2}id [0-9a-f]{12}/)
  assert.match(
    show.stdout,
    new RegExp(`made from people \\(${source.id.slice(0, 12)}\\) by drop, impute, oneHot, scale`),
  )
  assert.match(show.stdout, /FEATURE\s+COUNT\s+MISSING\s+MEAN\s+STD\s+MIN\s+MAX\s+HISTOGRAM/)
  assert.match(show.stdout, /color=red\s+90\s+0\s/)
  const raw = await kiln(['data', 'show', 'people'], ctx)
  assert.match(raw.stdout, /size\s+\d+\s+[1-9]\d*\s/, 'the source shows its missing sizes')
  assert.match(raw.stdout, /color \(categorical\)/)
  assert.match(raw.stdout, /categorical features:\n {2}color: blue, green, red/)
})

cli('validate prints each check and exits 1 when one fails', async (ctx) => {
  const ok = await kiln(['data', 'validate', 'people.csv', '--schema', 'schema.yaml'], ctx)
  assert.is(ok.code, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, /ok {4}features\.color\.values: 3 categories, all allowed/)
  assert.match(ok.stdout, /people\.csv \(train, 90 rows\): all 8 checks passed/)
  const bad = await kiln(['data', 'validate', 'people', '--schema', 'strict.yaml', '--json'], ctx)
  assert.is(bad.code, 1)
  const report = JSON.parse(bad.stdout) as { ok: boolean; failures: string[] }
  assert.not.ok(report.ok)
  assert.is(report.failures.length, 2)
  assert.match(report.failures[0]!, /^features\.size\.maxMissing: [\d.]+% missing/)
  assert.match(report.failures[1]!, /^features\.weight\.max: \d+ values above 60/)
})

cli('a bad steps file or reference is refused naming the field, and nothing is stored', async (ctx) => {
  writeFileSync(join(ctx.dir!, 'bad-steps.yaml'), 'scale: standardise\naugment: { flip: horizontal }\n')
  const before = (await listDatasets(ctx.cluster!.layout.objects.datasets)).length
  const bad = await kiln(['data', 'transform', 'people', '--steps', 'bad-steps.yaml', '--to', 'x'], ctx)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /bad-steps\.yaml: invalid steps file \(1 problem\)/)
  assert.match(
    bad.stderr,
    /scale: expected one of standard, minmax, or a mapping, got "standardise" \(did you mean "standard"\?\)/,
  )
  writeFileSync(join(ctx.dir!, 'typo.yaml'), 'oneHot: [colour]\n')
  const typo = await kiln(['data', 'transform', 'people', '--steps', 'typo.yaml', '--to', 'x'], ctx)
  assert.is(typo.code, 2)
  assert.match(
    typo.stderr,
    /steps\.oneHot\[0\]: expected a feature of the dataset .*got "colour" \(did you mean "color"\?\)/,
  )
  writeFileSync(join(ctx.dir!, 'aug.yaml'), 'augment: { flip: horizontal }\n')
  const aug = await kiln(['data', 'transform', 'people', '--steps', 'aug.yaml', '--to', 'x'], ctx)
  assert.is(aug.code, 2)
  assert.match(aug.stderr, /steps\.augment: expected no augment step/)
  assert.is((await listDatasets(ctx.cluster!.layout.objects.datasets)).length, before, 'nothing stored')
})

cli.run()
