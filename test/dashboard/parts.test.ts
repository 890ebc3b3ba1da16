// The dashboard's pure parts: Prometheus parsing and per-interval traffic, braille plots,
// and the Launch form's overrides.
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { histogramQuantile, parsePromText, trafficBetween } from '@kiln/client'
import { formFields, formProblem, overrides, plotBraille, readSpecDoc } from '@kiln/dashboard'
import { EXAMPLES } from './render.js'

const test = suite('dashboard - parts')

const exposition = (n: number, fast: number, slow: number) => `# HELP kiln_gateway_requests_total x
# TYPE kiln_gateway_requests_total counter
kiln_gateway_requests_total{model="fashion",version="1",variant="fashion-v1",status="200"} ${n}
kiln_gateway_requests_total{model="fashion",version="1",variant="fashion-v1",status="400"} 2
kiln_gateway_request_duration_seconds_bucket{model="fashion",version="1",le="0.001"} ${fast}
kiln_gateway_request_duration_seconds_bucket{model="fashion",version="1",le="0.01"} ${fast + slow}
kiln_gateway_request_duration_seconds_bucket{model="fashion",version="1",le="+Inf"} ${fast + slow}
kiln_gateway_request_duration_seconds_count{model="fashion",version="1"} ${fast + slow}
kiln_gateway_drift_feature_psi{model="fashion",version="1"} 0.31
kiln_gateway_drift_detected{model="fashion",version="1"} 1
`

test('dashboard - parts: req/s and quantiles over the interval between two scrapes', () => {
  const a = { at: 0, samples: parsePromText(exposition(100, 90, 10)) }
  const b = { at: 2000, samples: parsePromText(exposition(300, 90, 210)) }
  const [first] = trafficBetween(undefined, a)
  assert.is(first!.reqPerSec, undefined)
  const [t] = trafficBetween(a, b)
  assert.is(t!.model, 'fashion')
  assert.is(t!.requests, 302)
  assert.is(t!.errors, 2)
  assert.is(t!.reqPerSec, 100)
  assert.is(t!.variants['fashion-v1'], 100)
  // All 200 new requests took 1-10 ms: the window's median is inside that bucket.
  assert.ok(t!.p50Ms! > 1 && t!.p50Ms! <= 10, String(t!.p50Ms))
  assert.is(t!.drifted, true)
  assert.is(t!.featurePsi, 0.31)
  assert.is(
    histogramQuantile(0.5, [
      { le: 1, count: 0 },
      { le: Infinity, count: 0 },
    ]),
    undefined,
  )
  assert.is(
    histogramQuantile(0.5, [
      { le: 1, count: 10 },
      { le: 2, count: 20 },
      { le: Infinity, count: 20 },
    ]),
    1,
  )
})

test('dashboard - parts: braille plot draws a rising line bottom-left to top-right', () => {
  const cells = plotBraille(
    [
      {
        points: [
          [0, 0],
          [1, 1],
        ],
        color: 'cyan',
      },
    ],
    4,
    2,
    { min: 0, max: 1 },
    { min: 0, max: 1 },
  )
  assert.is(cells.length, 2)
  assert.ok(cells[1]![0]!.ch !== '\u2800' && cells[0]![3]!.ch !== '\u2800', JSON.stringify(cells))
  assert.is(cells[0]![0]!.ch, '\u2800')
  assert.is(cells[0]![3]!.color, 'cyan')
})

test('dashboard - parts: launch form turns edited values into overrides, lr range as a whole space', () => {
  const doc = readSpecDoc(join(EXAMPLES, 'demo-sweep.yaml'))
  const fields = formFields(doc)
  assert.equal(
    fields.map((f) => f.id),
    ['name', 'search.maxTrials', 'search.maxConcurrent', 'lr.low', 'lr.high', 'training.epochs'],
  )
  assert.equal(overrides(doc, fields, {}), [])
  const sets = overrides(doc, fields, { name: 'mine', 'search.maxTrials': '4', 'lr.low': '0.001' })
  assert.equal(sets.slice(0, 2), ['name="mine"', 'search.maxTrials=4'])
  const space = JSON.parse(sets[2]!.slice('search.space='.length)) as Record<string, unknown>
  assert.equal(space['optimizer.learningRate'], { loguniform: [0.001, 0.01] })
  assert.ok('model' in space, 'the other dimensions stay')
  assert.is(formProblem(fields, { 'lr.low': '0.1' }), 'lr low: expected less than lr high')
  assert.is(formProblem(fields, { 'search.maxTrials': '-2' }), 'max trials: expected a positive integer')
})

test.run()
