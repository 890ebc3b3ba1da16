// The Models view at 80×24 from a registry recorded on a real cluster (fixtures/
// record-models.ts): each version with its aliases, approval, test figure and endpoints; the
// selected version's decision, evaluation and lineage; approve and champion ask first.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { KEY, recording, renderApp } from './render.js'

const test = suite('dashboard - models view')
const models = recording('models')

test('versions newest first per model, with aliases, approval, test figure, size and endpoints', async () => {
  const app = renderApp({ rec: models, view: 'models' })
  const f = await app.until('ENDPOINTS')
  const lines = f.split('\n')
  const row = (model: string, version: number) =>
    lines.find((l) => new RegExp(`^\\s*${model} +${version} `).test(l)) ?? assert.unreachable(`${model}@${version} row`)
  const order = ['blobs 3', 'blobs 2', 'blobs 1', 'tiny 1'].map((k) =>
    lines.findIndex((l) => new RegExp(`^\\s*${k.replace(' ', ' +')} `).test(l)),
  )
  assert.ok(
    order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)),
    `row order ${order.join(',')}\n${f}`,
  )
  assert.match(row('blobs', 2) as string, /champion +approved +acc \d\.\d{4} +\d+\.\d KB +\S+ +shop/)
  assert.match(row('blobs', 3) as string, /- +rejected +acc \d\.\d{4}/)
  assert.match(row('blobs', 1) as string, /- +archived +acc \d\.\d{4} +- /)
  assert.match(row('tiny', 1) as string, /- +pending +- /)
  // The first row is selected: its decision and where it came from.
  assert.match(f, /blobs@3 +rejected by ana@lab \S+ ago: worse on class 2/)
  assert.match(f, /test \(\d+ rows\): acc \d\.\d{4} +f1 macro \d\.\d{4} +log loss \d\.\d{4}/)
  assert.match(f, /from job \S+ · hidden=\[4\]|from job \S+/)
  app.unmount()
})

test('moving down shows the selected version: served by its endpoint, archived files reclaimed', async () => {
  const app = renderApp({ rec: models, view: 'models' })
  await app.until('ENDPOINTS')
  await app.keys(KEY.down)
  let f = await app.until('blobs@2  approved by ana@lab')
  assert.match(f, /approved by ana@lab \S+ ago: beats the baseline on every class/)
  assert.match(f, /served by shop · \d+\.\d KB in \d+ files/)
  await app.keys(KEY.down)
  f = await app.until('blobs@1  archived by ana@lab')
  assert.match(f, /served by no endpoint · files reclaimed/)
  await app.keys(KEY.down)
  f = await app.until('tiny@1  pending')
  assert.match(f, /test: no evaluation recorded/)
  app.unmount()
})

test('a approves and c makes the champion, each only after y', async () => {
  const app = renderApp({ rec: models, view: 'models' })
  await app.until('ENDPOINTS')
  await app.keys(KEY.down, KEY.down, KEY.down, 'a')
  await app.until('Approve tiny@1?')
  await app.keys('n')
  await app.keys('a')
  await app.until('Approve tiny@1?')
  await app.keys('y')
  await app.until('approve: done')
  await app.keys(KEY.up, KEY.up, KEY.up, 'c')
  await app.until('Make blobs@3 the champion of blobs?')
  await app.keys('y')
  await app.until('alias: done')
  assert.equal(
    app.calls.filter(([w]) => w === 'approve' || w === 'alias'),
    [
      ['approve', 'tiny@1'],
      ['alias', 'blobs@3', 'champion'],
    ],
  )
  app.unmount()
})

test('the view fits 80×24 and uses a wider terminal', async () => {
  const app = renderApp({ rec: models, view: 'models' })
  await app.until('ENDPOINTS')
  const lines = app.frame().split('\n')
  assert.equal(lines.length, 23)
  for (const l of lines) assert.ok([...l].length <= 80, `line over 80 columns: ${l}`)
  app.resize({ columns: 120, rows: 40 })
  const big = (await app.until((f) => f.split('\n').length === 39)).split('\n')
  assert.ok(big.some((l) => [...l].length > 80))
  app.unmount()
})

test.run()
