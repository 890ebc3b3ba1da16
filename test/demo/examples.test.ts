// Every spec in examples/ is valid as the cluster checks it: the job spec, and the search
// section of the sweeps (each scheduler appears in one).
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readSpecFile } from '@kiln/train'
import { parseSearchSpec } from '@kiln/sweep'

const test = suite('demo - examples')
const DIR = resolve(import.meta.dirname, '..', '..', 'examples')
const specs = readdirSync(DIR).filter((f) => f.endsWith('.yaml'))

test('demo - examples: every spec and search section is valid', async () => {
  const schedulers = new Set<string>()
  for (const name of specs) {
    const { spec } = await readSpecFile(join(DIR, name))
    if (spec.search) schedulers.add(parseSearchSpec(spec.search, { metric: spec.metric }).scheduler.name)
  }
  assert.equal([...schedulers].sort(), ['asha', 'fifo', 'hyperband', 'median', 'pbt'])
})

test('demo - examples: a data-parallel job and the demo sweep over MLP and CNN models', async () => {
  const dp = (await readSpecFile(join(DIR, 'data-parallel.yaml'))).spec
  assert.is(dp.resources.replicas, 2)
  const demo = (await readSpecFile(join(DIR, 'demo-sweep.yaml'))).spec
  const search = parseSearchSpec(demo.search, { metric: demo.metric })
  assert.is(search.scheduler.name, 'asha')
  assert.is(search.maxTrials, 12)
  const models = (search.space.model as { values: Array<{ builtin: string }> }).values.map((m) => m.builtin)
  assert.equal([...new Set(models)].sort(), ['cnn', 'mlp'])
})

test.run()
