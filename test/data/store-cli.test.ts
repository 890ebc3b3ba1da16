import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { DatasetRecord } from '@kiln/data'
import { kilnInProcess } from '../helpers/cli-in-process.js'
import { loud } from '../helpers/hooks.js'
import { startLayout, type TestLayout } from '../helpers/layout.js'

type Ctx = { cluster?: TestLayout; dir?: string }
const cli = suite<Ctx>('data - kiln data import and ls')

cli.before(
  loud(async (ctx) => {
    ctx.cluster = await startLayout()
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-data-cli-'))
    // Two classes, three features, a header: what a user's CSV looks like.
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 7},${(i * 3) % 5},${i / 10},${i % 2 ? 'cat' : 'dog'}`)
    writeFileSync(join(ctx.dir, 'pets.v1.csv'), `${['a,b,c,kind', ...rows].join('\n')}\n`)
  }),
)
cli.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

const kiln = (args: string[], ctx: Ctx) => kilnInProcess(args, ctx.dir!, ctx.cluster!.server.url)

cli('import a CSV by relative path: the name comes from the file, --json prints the record', async (ctx) => {
  const run = await kiln(['data', 'import', 'pets.v1.csv#label=kind', '--json'], ctx)
  assert.is(run.code, 0, run.stderr + run.stdout)
  const { event, dataset } = JSON.parse(run.stdout) as { event: string; dataset: DatasetRecord }
  assert.is(event, 'imported')
  assert.is(dataset.name, 'pets-v1')
  assert.equal(dataset.counts, { train: 30 })
  assert.equal(dataset.classNames, ['cat', 'dog'])
  assert.is(dataset.source, 'pets.v1.csv#label=kind')

  const again = await kiln(['data', 'import', 'pets.v1.csv#label=kind', '--name', 'pets'], ctx)
  assert.is(again.code, 0, again.stderr)
  assert.match(
    again.stdout,
    new RegExp(`^imported pets \\(id ${dataset.id.slice(0, 12)}\\): 30 samples of \\[3\\], 2 classes`),
  )
  assert.match(again.stdout, /`dataset: pets`/)
})

cli('ls lists every name, as a table or as JSON', async (ctx) => {
  const table = await kiln(['data', 'ls'], ctx)
  assert.is(table.code, 0, table.stderr)
  const lines = table.stdout.trim().split('\n')
  assert.match(lines[0]!, /^NAME\s+ID\s+SAMPLES\s+SHAPE\s+CLASSES\s+SIZE\s+IMPORTED\s+SOURCE$/)
  assert.equal(
    lines.slice(1).map((l) => l.split(/\s+/)[0]),
    ['pets', 'pets-v1'],
  )
  const json = JSON.parse((await kiln(['data', 'ls', '--json'], ctx)).stdout) as DatasetRecord[]
  assert.equal(
    json.map((r) => r.name),
    ['pets', 'pets-v1'],
  )
  assert.is(json[0]!.id, json[1]!.id, 'one content, two names')
})

cli('bad names, missing files and unknown subcommands exit 2 with the problem named', async (ctx) => {
  const badName = await kiln(['data', 'import', 'pets.v1.csv', '--name', 'has.dot'], ctx)
  assert.is(badName.code, 2)
  assert.match(badName.stderr, /--name: expected 1-128 characters of A-Z a-z 0-9 _ -/)
  const missing = await kiln(['data', 'import', 'nope.csv'], ctx)
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /nope\.csv/)
  const unknown = await kiln(['data', 'rm'], ctx)
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr, /unknown subcommand "rm"; expected import, ls, show, transform or validate/)
})

cli.run()
