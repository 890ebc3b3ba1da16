import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError } from '@kiln/protocol'
import { loadCsvDataset, parseCsv, readCsv } from '@kiln/data'
import { rejects, tempDir } from './fixtures.js'

const csv = suite('data - csv')
const tmp = tempDir()
csv.after(() => tmp.remove())

csv('a header row is detected; the last column is the label by default', async () => {
  const file = tmp.write('h.csv', 'a,b,label\n1,2.5,0\n-3,4e2,2\n')
  const t = await readCsv(file)
  assert.equal(t.shape, [2, 2])
  assert.equal(Array.from(t.x), [1, 2.5, -3, 400])
  assert.equal(Array.from(t.labels), [0, 2])
  assert.equal(t.featureNames, ['a', 'b'])
  assert.is(t.labelName, 'label')
  assert.is(t.classNames, undefined)
})

csv('without a header every row is data and columns are numbered', () => {
  const t = parseCsv('1,2,1\n3,4,0', 'n.csv')
  assert.equal(t.shape, [2, 2])
  assert.equal(Array.from(t.x), [1, 2, 3, 4])
  assert.equal(Array.from(t.labels), [1, 0])
  assert.equal(t.featureNames, ['column 1', 'column 2'])
  assert.is(t.labelName, 'column 3')
})

csv('a header whose only text is the label name is still found', () => {
  const t = parseCsv('1,2,class\n3,4,1\n', 'h2.csv', { label: 2 })
  assert.equal(t.shape, [1, 2])
  assert.is(t.labelName, 'class')
})

csv('header: false and header: true override the guess', () => {
  assert.equal(parseCsv('1,2,0\n3,4,1\n', 'f.csv', { header: true }).shape, [1, 2])
  const t = parseCsv('cat,2,3\n', 'g.csv', { header: false, label: 0 })
  assert.equal(t.classNames, ['cat'])
  assert.equal(Array.from(t.x), [2, 3])
})

csv('quoted fields hold delimiters, doubled quotes and newlines; CRLF line ends work', () => {
  const text = '"a, first","b ""quoted""","the\nlabel"\r\n"1",2,"0"\r\n3,"4.5",1\r\n'
  const t = parseCsv(text, 'q.csv')
  assert.equal(t.featureNames, ['a, first', 'b "quoted"'])
  assert.is(t.labelName, 'the\nlabel')
  assert.equal(Array.from(t.x), [1, 2, 3, 4.5])
  assert.equal(Array.from(t.labels), [0, 1])
})

csv('a label chosen by name or by negative index', () => {
  const text = 'y,a,b\n1,10,20\n0,30,40\n'
  const byName = parseCsv(text, 'l.csv', { label: 'y' })
  assert.equal(Array.from(byName.labels), [1, 0])
  assert.equal(Array.from(byName.x), [10, 20, 30, 40])
  assert.equal(byName.featureNames, ['a', 'b'])
  const byIndex = parseCsv(text, 'l.csv', { label: -3 })
  assert.equal(Array.from(byIndex.x), Array.from(byName.x))
})

csv('text labels become class indices in sorted name order', () => {
  const t = parseCsv('a,species\n1,versicolor\n2,setosa\n3,versicolor\n4,virginica\n', 's.csv')
  assert.equal(t.classNames, ['setosa', 'versicolor', 'virginica'])
  assert.equal(Array.from(t.labels), [1, 0, 1, 2])
})

csv('blank lines and a UTF-8 BOM are ignored; cells may have spaces around numbers', () => {
  const t = parseCsv('\ufeffa,b\n\n 1 , 0\n\n2,1\n\n', 'b.csv')
  assert.equal(t.featureNames, ['a'])
  assert.equal(Array.from(t.x), [1, 2])
})

csv('a non-numeric cell is dataset_malformed naming file, line, column and the cell', async () => {
  const file = tmp.write('bad.csv', 'a,b,label\n1,2,0\n3,abc,1\n')
  await rejects(
    () => readCsv(file),
    'dataset_malformed',
    file,
    'line 3, column 2 ("b")',
    'expected a number',
    'found "abc"',
  )
})

csv(
  'an empty feature cell is a missing value (NaN); an empty label and a fractional class index are dataset_malformed',
  async () => {
    const t = parseCsv('1,,0\n2,3,1\n', 'e.csv', { header: false })
    assert.ok(Number.isNaN(t.x[1]), 'the empty cell is NaN')
    assert.equal(t.x[3], 3)
    await rejects(
      () => parseCsv('1,2,\n3,4,1\n', 'l.csv', { header: false }),
      'dataset_malformed',
      'l.csv',
      'line 1, column 3',
    )
    await rejects(
      () => parseCsv('1,2,0.5\n', 'fr.csv'),
      'dataset_malformed',
      'fr.csv',
      'line 1, column 3',
      'class index',
    )
  },
)

csv('a ragged row is dataset_malformed naming its line and field counts', async () => {
  const file = tmp.write('ragged.csv', 'a,b,label\r\n1,2,0\r\n3,1\r\n')
  await rejects(() => readCsv(file), 'dataset_malformed', file, 'line 3 has 2 fields, expected 3')
})

csv('line numbers count the newlines inside quoted fields', async () => {
  await rejects(() => parseCsv('"multi\nline",b,c\n1,2,0\n1,x,0\n', 'm.csv'), 'dataset_malformed', 'line 4, column 2')
})

csv('an unclosed quote and text after a closing quote are dataset_malformed', async () => {
  await rejects(() => parseCsv('a,b\n"1,2\n', 'u.csv'), 'dataset_malformed', 'u.csv', 'line 2', 'never closed')
  await rejects(
    () => parseCsv('a,b\n"1"x,2\n', 'v.csv'),
    'dataset_malformed',
    'v.csv',
    'line 2',
    'after a closing quote',
  )
})

csv('an unknown label name is dataset_mismatch listing the columns', async () => {
  await rejects(
    () => parseCsv('a,b\n1,0\n', 'n.csv', { label: 'species' }),
    'dataset_mismatch',
    'n.csv',
    '"species"',
    '"a", "b"',
  )
})

csv('bad options are ValidationErrors naming the option', () => {
  const byName = (() => {
    try {
      parseCsv('1,0\n', 'o.csv', { header: false, label: 'y' })
    } catch (e) {
      return e
    }
  })()
  assert.instance(byName, ValidationError)
  assert.is((byName as ValidationError).data?.field, 'label')
  const index = (() => {
    try {
      parseCsv('1,0\n', 'o.csv', { label: 5 })
    } catch (e) {
      return e
    }
  })()
  assert.instance(index, ValidationError)
  assert.ok((index as Error).message.includes('[-2, 1]'))
})

csv('an empty file or a header alone is dataset_malformed', async () => {
  await rejects(() => parseCsv('', 'empty.csv'), 'dataset_malformed', 'empty.csv', 'no rows')
  await rejects(() => parseCsv('a,b\n', 'head.csv'), 'dataset_malformed', 'head.csv', 'no data rows')
})

csv('loadCsvDataset gives a Dataset with sampleShape [features] and class names', async () => {
  const file = tmp.write('iris.csv', 'sl,sw,species\n5.1,3.5,setosa\n7,3.2,versicolor\n')
  const ds = await loadCsvDataset(file)
  assert.is(ds.name, 'iris')
  assert.equal(ds.sampleShape, [2])
  assert.is(ds.count, 2)
  assert.is(ds.numClasses, 2)
  assert.equal(ds.classNames, ['setosa', 'versicolor'])
  assert.equal(Array.from(ds.x), Array.from(Float32Array.from([5.1, 3.5, 7, 3.2])))
})

csv.run()
