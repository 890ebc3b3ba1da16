// The Pipelines view at 80×24 (issue 18), from a state recorded on a real cluster after three
// runs of one pipeline (fixtures/record-pipelines.ts): every run with its steps done and
// cached; Enter opens a run: its DAG drawn as a tree, each step's state, duration and cache
// hit, and why a stopped run stopped.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { KEY, recording, renderApp } from './render.js'

const test = suite('dashboard - pipelines view')
const rec = recording('pipelines')

const fits = (f: string) => {
  const lines = f.split('\n')
  assert.equal(lines.length, 23, `${lines.length} lines`)
  for (const l of lines) assert.ok([...l].length <= 80, `line over 80 columns: ${l}`)
}

test('dashboard - pipelines: runs newest first with steps done and cached', async () => {
  const app = renderApp({ rec, view: 'pipelines' })
  const f = await app.until('RUN')
  assert.match(f, /^RUN +PIPELINE +STATE +STEPS +CACHED +TRIGGER +AGE +TOOK/m)
  const rows = f.split('\n').filter((l) => /^run-[0-9a-f]{12}/.test(l))
  assert.is(rows.length, 3)
  assert.match(rows[0]!, /blobs-retrain +stopped +3\/5 +3 +user/, 'newest: stopped at its gate, 3 steps from the cache')
  assert.match(rows[1]!, /blobs-retrain +succeeded +5\/5 +5 +user/, 'fully cached')
  assert.match(rows[2]!, /blobs-retrain +succeeded +5\/5 +0 +user/, 'the first: ran every step')
  assert.match(f, /7 Pip/)
  fits(f)
  app.unmount()
})

test('dashboard - pipelines: Enter opens a run: the DAG with state, duration and cache; esc goes back', async () => {
  const app = renderApp({ rec, view: 'pipelines' })
  await app.until('RUN')
  await app.keys(KEY.enter)
  let f = await app.until('STEP')
  assert.match(f, /^run-[0-9a-f]{12} blobs-retrain: stopped {2}5 steps, 3 cached/m)
  assert.match(f, /^✓ prepare +succeeded +\S+ +cached +dataset [0-9a-f]{12}/m)
  assert.match(f, /^└─ ✓ train +succeeded +\S+ +cached +blobs-model@1/m)
  assert.match(f, /^ {3}└─ ✓ evaluate +succeeded +\S+ +cached +test_accuracy [01]\.\d{4}/m)
  assert.match(f, /^ {6}└─ ■ gate +stopped +\S+ +test_accuracy >= 1\.01 does no/m)
  assert.match(f, /^ {9}└─ - register +skipped +- +.*\(also after train\)/m)
  assert.match(f, /stopped at step gate: test_accuracy >= 1\.01 does not hold/)
  fits(f)
  await app.keys(KEY.esc)
  f = await app.until('TRIGGER')
  assert.match(f, /^RUN /m)
  await app.keys(KEY.down, KEY.down, KEY.enter)
  f = await app.until('STEP')
  assert.match(f, /blobs-retrain: succeeded {2}5 steps, \S+ +\(user\)/)
  assert.match(f, /^✓ prepare +succeeded +\S+ {9}dataset/m, 'the first run: nothing cached')
  app.unmount()
})

test.run()
