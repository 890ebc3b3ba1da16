// The Evals (experiments) view at 80×24, from a state recorded on a real cluster after a
// tagged job and a 6-trial ASHA sweep (fixtures/record-experiments.ts): the runs table,
// `/` filters with the --where language, `s` sorts, Enter opens a run's evaluation.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { KEY, recording, renderApp } from './render.js'

const test = suite('dashboard - evals view')
const rec = recording('experiments')

const fits = (f: string) => {
  const lines = f.split('\n')
  assert.equal(lines.length, 23, `${lines.length} lines`)
  for (const l of lines) assert.ok([...l].length <= 80, `line over 80 columns: ${l}`)
}

test('dashboard - evals: every run with its test figures; s sorts best first', async () => {
  const app = renderApp({ rec, view: 'experiments' })
  let f = await app.until('RUN')
  assert.match(f, /^RUN +EXPERIMENT +STATE +ACC +F1 +AGE +TAGS/m)
  assert.match(f, /^job-[0-9a-f]{12} +blobs-baselines +succeeded +1\.0000 +1\.0000 +\S+ +team=vision/m)
  for (let i = 1; i <= 6; i++)
    assert.match(f, new RegExp(`^sweep-[0-9a-f]{6}/trial-${i} +blobs-sweeps +succeeded`, 'm'))
  assert.match(f, /7 runs/)
  fits(f)
  await app.keys('s')
  f = await app.until('sort test_accuracy')
  const accs = f
    .split('\n')
    .filter((l) => /succeeded/.test(l))
    .map((l) => Number(l.split(/\s+/)[3]))
  assert.equal(
    accs,
    [...accs].sort((a, b) => b - a),
    'best first',
  )
  app.unmount()
})

test('dashboard - evals: / filters with a --where expression; a bad one says where', async () => {
  const app = renderApp({ rec, view: 'experiments' })
  await app.until('7 runs')
  await app.keys('/', ...'test_accuracy >', KEY.enter)
  let f = await app.until('where: expected a value after > at position 16')
  assert.match(f, /^where> test_accuracy >/m)
  await app.keys('q') // typed into the field: the app does not quit
  await app.until('where> test_accuracy >q')
  await app.keys('\x7f', ...' 0.9 and tags.kind == "asha"', KEY.enter)
  f = await app.until('where test_accuracy > 0.9 and tags.kind == "asha"')
  const rows = f.split('\n').filter((l) => /succeeded/.test(l))
  assert.ok(rows.length >= 1 && rows.length < 6, f)
  for (const r of rows) assert.ok(Number(r.split(/\s+/)[3]) > 0.9, r)
  fits(f)
  await app.keys('/', KEY.ctrlU, KEY.enter)
  await app.until('7 runs')
  app.unmount()
})

test('dashboard - evals: Enter opens a run: figures, confusion heatmap, per-class F1, its sweep', async () => {
  const app = renderApp({ rec, view: 'experiments' })
  await app.until('7 runs')
  await app.keys('s', KEY.enter)
  const f = await app.until('confusion (rows: true)')
  assert.match(f, /acc \d\.\d{4} {2}F1 \d\.\d{4} {2}ROC-AUC \d\.\d{4} {2}log loss \S+ {2}\(120 test\)/)
  assert.match(f, /F1 per class/)
  assert.match(f, /^ +0 +1 +2 /m, 'the heatmap header')
  assert.match(f, /^ 0 +\d+ +\d+ +\d+/m, 'a heatmap row')
  assert.match(f, /█/, 'F1 bars')
  assert.match(f, /sweep sweep-[0-9a-f]+: importance (learningRate|hidden) \d\.\d\d/)
  assert.match(f, /best val_accuracy so far [▁▂▃▄▅▆▇█]+ \d\.\d{4}/)
  assert.match(f, /rungs r0:\d+ r1:\d+/)
  // Parallel coordinates of the sweep's trials: braille lines over its parameters and metric.
  assert.match(f, /parallel coordinates \(green: best val_accuracy\)/)
  assert.ok((f.match(/[\u2801-\u28ff]/g) ?? []).length >= 20, `braille lines drawn:\n${f}`)
  assert.match(f, /^hidden +learningRate( \(log\))? +val_accuracy *$/m, 'its axes named in order')
  fits(f)
  await app.keys(KEY.esc)
  await app.until('7 runs')
  app.unmount()
})

test.run()
