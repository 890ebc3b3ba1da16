// The HTML report, rendered by headless Chromium (Debian `chromium`, installed by
// scripts/setup): every plot is laid out with drawn elements of non-zero size, and a
// screenshot shows ink inside each plot's box. The file itself fetches nothing and runs no
// script.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { evaluateClassification } from '@kiln/train/evaluation'
import { parameterImportance, renderReport, type ReportInput } from '@kiln/report'
import { inkedPixels, readPng } from '../helpers/png.js'
import { uniformStream } from '../helpers/random.js'
import { tempDir } from '../train/synthetic.js'

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const PLOTS = ['curves', 'confusion', 'per-class', 'parallel-coordinates', 'best-so-far', 'importance', 'lineage']
const WIDTH = 1200

function chromium(args: string[]): string {
  if (!CHROMIUM) throw new Error('chromium is not installed (scripts/setup installs the Debian package chromium)')
  const run = spawnSync(
    CHROMIUM,
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', ...args],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 },
  )
  if (run.status !== 0) throw new Error(`chromium ${args.join(' ')} failed (${run.status}):\n${run.stderr}`)
  return run.stdout
}

// A sweep of 12 trials over two parameters whose metric depends mostly on the learning rate.
function sweepInput(): ReportInput {
  const next = uniformStream(5)
  const trials = Array.from({ length: 12 }, (_, i) => {
    const lr = 10 ** (-4 + 3 * next())
    const hidden = [[64], [128], [256]][i % 3]
    const value = 0.9 - 0.1 * Math.abs(Math.log10(lr) + 2.5) + 0.005 * next()
    return {
      id: `job-1-t${i}`,
      params: { 'optimizer.learningRate': lr, 'model.hidden': hidden },
      value,
      state: 'succeeded',
    }
  })
  const labels = Array.from({ length: 400 }, (_, i) => i % 10)
  const scores = labels.flatMap((y) => Array.from({ length: 10 }, (_, c) => next() + (c === y ? 0.6 : 0)))
  const evaluation = evaluateClassification({
    scores,
    labels,
    numClasses: 10,
    classNames: ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot'],
  })
  const curve = (f: (e: number) => number) => Array.from({ length: 8 }, (_, e) => [e + 1, f(e + 1)] as const)
  return {
    title: 'Sweep fashion-sweep <b>&"escaped"</b>',
    kind: 'sweep',
    generatedAt: '2025-01-01T00:00:00.000Z',
    facts: [['sweep', 'sweep-1 (succeeded)']],
    curves: [
      {
        metric: 'loss',
        series: [
          { name: 'loss', points: curve((e) => 1 / e) },
          { name: 'val_loss', points: curve((e) => 1.1 / e + 0.05) },
        ],
      },
      { metric: 'accuracy', series: [{ name: 'accuracy', points: curve((e) => 1 - 0.5 / e) }] },
    ],
    evaluation,
    sweep: { metric: { name: 'val_accuracy', mode: 'max' }, trials },
    lineage: [
      { kind: 'dataset', label: 'fashion-mnist' },
      { kind: 'sweep', label: 'sweep-1' },
      { kind: 'trial', label: 'job-1-t3' },
      { kind: 'model version', label: 'fashion@4' },
    ],
  }
}

// Appended to a copy of the report (never to the report itself): measures every plot.
const MEASURE = `<script>
for (const f of document.querySelectorAll('figure.plot')) {
  const svg = f.querySelector('svg'); const box = svg.getBoundingClientRect()
  const marks = [...svg.querySelectorAll('path,rect,polyline,circle,line')].filter((e) => { const b = e.getBBox(); return b.width > 0 || b.height > 0 })
  f.setAttribute('data-measured', JSON.stringify({ x: box.x + scrollX, y: box.y + scrollY, w: box.width, h: box.height, marks: marks.length }))
}
document.body.setAttribute('data-height', String(document.documentElement.scrollHeight))
</script>`

const report = suite('report - the HTML report renders in headless Chromium')

report('the file is self-contained: no scripts, links, images or URLs to fetch', () => {
  const html = renderReport(sweepInput())
  assert.not.match(html, /<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i)
  const urls = html.match(/https?:\/\/[^\s"')]+/g) ?? []
  assert.equal([...new Set(urls)], ['http://www.w3.org/2000/svg'], 'only the SVG namespace, which is never fetched')
  assert.ok(html.includes('Sweep fashion-sweep &lt;b&gt;&amp;&quot;escaped&quot;&lt;/b&gt;'), 'text is escaped')
  for (const plot of PLOTS) assert.ok(html.includes(`data-plot="${plot}"`), plot)
})

report('every plot is laid out with drawn marks, and the screenshot has ink in each', () => {
  const tmp = tempDir('kiln-report-')
  try {
    const html = renderReport(sweepInput())
    const page = join(tmp.dir, 'report.html')
    const measured = join(tmp.dir, 'measured.html')
    writeFileSync(page, html)
    writeFileSync(measured, html.replace('</body>', `${MEASURE}</body>`))
    const dom = chromium([`--window-size=${WIDTH},900`, '--dump-dom', `file://${measured}`])
    const boxes = new Map<string, { x: number; y: number; w: number; h: number; marks: number }[]>()
    for (const m of dom.matchAll(/data-plot="([^"]+)"[^>]*data-measured="([^"]+)"/g)) {
      const box = JSON.parse(m[2]!.replace(/&quot;/g, '"'))
      boxes.set(m[1]!, [...(boxes.get(m[1]!) ?? []), box])
    }
    for (const plot of PLOTS) {
      const found = boxes.get(plot)
      assert.ok(found?.length, `${plot} is on the page`)
      for (const b of found!) {
        assert.ok(b.w > 100 && b.h > 50, `${plot} has a size (${b.w}×${b.h})`)
        assert.ok(b.marks >= 2, `${plot} drew marks (${b.marks})`)
      }
    }
    const height = Number(/data-height="(\d+)"/.exec(dom)?.[1])
    assert.ok(height > 500, `page height ${height}`)
    const shot = join(tmp.dir, 'shot.png')
    chromium([`--window-size=${WIDTH},${height}`, `--screenshot=${shot}`, `file://${page}`])
    const img = readPng(readFileSync(shot))
    assert.is(img.width, WIDTH)
    const total = inkedPixels(img, { x: 0, y: 0, w: img.width, h: img.height })
    assert.ok(total > img.width * img.height * 0.01, `the screenshot is not blank (${total} inked pixels)`)
    for (const [plot, list] of boxes)
      for (const b of list) {
        const ink = inkedPixels(img, b)
        assert.ok(
          ink > b.w * b.h * 0.01,
          `${plot}: ${ink} inked pixels in its ${Math.round(b.w)}×${Math.round(b.h)} box`,
        )
      }
  } finally {
    tmp.remove()
  }
})

report('parameter importance finds the parameter the metric depends on', () => {
  const imp = parameterImportance(sweepInput().sweep!.trials)
  assert.is(imp[0]!.param, 'optimizer.learningRate')
  assert.ok(imp[0]!.importance > 0.5 && imp[1]!.importance < 0.3, JSON.stringify(imp))
})

report.run()
