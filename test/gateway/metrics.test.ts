// /metrics follows the Prometheus text exposition format (0.0.4): checked here by a strict
// validator of our own, and by `promtool check metrics` when scripts/setup could install it.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exposition } from '@kiln/cluster-state'
import { Gauge, Registry } from 'prom-client'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loud } from '../helpers/hooks.js'
import { blobModel } from './fixtures.js'
import { get, post, startGateway, type Running } from './harness.js'

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]Inf|NaN)$/
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`)
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/

function parseLabels(text: string, line: string): Record<string, string> {
  const out: Record<string, string> = {}
  let rest = text
  while (rest.length > 0) {
    const m = LABEL.exec(rest)
    if (!m) throw new Error(`bad labels in: ${line}`)
    if (m[1]! in out) throw new Error(`label ${m[1]} twice in: ${line}`)
    out[m[1]!] = m[2]!
    rest = rest.slice(m[0].length)
  }
  return out
}

/** Throws on anything the exposition format does not allow; returns the families seen. */
export function validateExposition(text: string): Map<string, string> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const series = new Set<string>()
  const done = new Set<string>()
  let current = ''
  const buckets = new Map<string, { le: number; v: number }[]>()
  const counts = new Map<string, number>()
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue // the format ignores empty lines (prom-client ends each family with one)
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line)
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`bad ${line}`)
        continue
      }
      const [, kind, name, rest] = m
      if (done.has(name!) && name !== current) throw new Error(`family ${name} is split`)
      if (kind === 'TYPE') {
        if (types.has(name!)) throw new Error(`TYPE ${name} twice`)
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!))
          throw new Error(`bad type ${rest}`)
        if (rest === 'counter' && !name!.endsWith('_total')) throw new Error(`counter ${name} must end in _total`)
        types.set(name!, rest!)
      } else {
        if (helps.has(name!)) throw new Error(`HELP ${name} twice`)
        if (/\\[^\\n]/.test(rest!.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP ${name}`)
        helps.add(name!)
      }
      if (current !== name) done.add(current)
      current = name!
      continue
    }
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`bad sample line: ${line}`)
    const [, name, labelText, value] = m
    if (!VALUE.test(value!)) throw new Error(`bad value in: ${line}`)
    const family = types.get(name!) === undefined ? name!.replace(/_(bucket|sum|count)$/, '') : name!
    const type = types.get(family)
    if (type === undefined) throw new Error(`sample before its TYPE: ${line}`)
    if (family !== current) throw new Error(`sample of ${family} outside its family block: ${line}`)
    const labels = parseLabels(labelText ?? '', line)
    const key = `${name}{${Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`
    if (series.has(key)) throw new Error(`duplicate series ${key}`)
    series.add(key)
    if (type === 'histogram') {
      const { le, ...rest } = labels
      const id = `${family}{${JSON.stringify(Object.entries(rest).sort())}}`
      if (name === `${family}_bucket`) {
        if (le === undefined) throw new Error(`bucket without le: ${line}`)
        const list = buckets.get(id) ?? []
        const bound = le === '+Inf' ? Infinity : Number(le)
        const prev = list[list.length - 1]
        if (prev && (bound <= prev.le || Number(value) < prev.v)) throw new Error(`buckets not increasing: ${line}`)
        list.push({ le: bound, v: Number(value) })
        buckets.set(id, list)
      } else if (name === `${family}_count`) counts.set(id, Number(value))
      else if (name !== `${family}_sum`) throw new Error(`unexpected histogram sample ${line}`)
    } else if (name !== family) throw new Error(`sample name ${name} does not match family ${family}`)
  }
  for (const [id, list] of buckets) {
    const last = list[list.length - 1]!
    if (last.le !== Infinity) throw new Error(`${id} has no +Inf bucket`)
    if (counts.get(id) !== last.v)
      throw new Error(`${id}: _count ${counts.get(id)} differs from the +Inf bucket ${last.v}`)
  }
  return types
}

const root = resolve(fileURLToPath(import.meta.url), '../../..')
const PROMTOOL = [process.env.KILN_PROMTOOL, join(root, '.tools/promtool/usr/bin/promtool'), '/usr/bin/promtool'].find(
  (p) => p && existsSync(p),
)

const m = suite<{ g: Running }>('gateway - metrics exposition')
m.before(
  loud(async (ctx) => {
    ctx.g = await startGateway({ blobs: [await blobModel(1)] })
    const input = (await get(`${ctx.g.url}/v2/models/blobs`)).json.inputs[0].name
    for (let i = 0; i < 5; i++)
      await post(`${ctx.g.url}/v2/models/blobs/infer`, {
        inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [i, 1, 2, 3] }],
      })
    await post(`${ctx.g.url}/v2/models/blobs/infer`, '{')
  }),
)
m.after(async (ctx) => {
  await ctx.g?.close()
})

m('the validator refuses what the format forbids', () => {
  const bad = [
    '# TYPE x_total counter\nx_total 1', // no final newline
    '# TYPE x counter\nx 1\n', // counter without _total
    'x 1\n', // no TYPE
    '# TYPE x gauge\nx{a="b} 1\n', // broken label
    '# TYPE x gauge\nx 1\nx 2\n', // duplicate series
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // decreasing
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
    '# TYPE x gauge\nx one\n', // bad value
  ]
  for (const text of bad) assert.throws(() => validateExposition(text), undefined, JSON.stringify(text))
})

m('/metrics passes the strict validator, with every family the gateway promises', async ({ g }) => {
  const text = (await get(`${g.url}/metrics`)).text
  const types = validateExposition(text)
  for (const [name, type] of [
    ['kiln_gateway_requests_total', 'counter'],
    ['kiln_gateway_request_duration_seconds', 'histogram'],
    ['kiln_gateway_queue_duration_seconds', 'histogram'],
    ['kiln_gateway_compute_duration_seconds', 'histogram'],
    ['kiln_gateway_batch_size', 'histogram'],
    ['kiln_gateway_models_loaded', 'gauge'],
    ['kiln_gateway_model_memory_bytes', 'gauge'],
    ['kiln_gateway_drift_feature_psi', 'gauge'],
    ['kiln_gateway_drift_prediction_psi', 'gauge'],
    ['kiln_gateway_drift_alerts_total', 'counter'],
    ['kiln_gateway_shadow_agreements_total', 'counter'],
    ['kiln_gateway_queued_request_bytes', 'gauge'],
    ['kiln_gateway_queue_budget_bytes', 'gauge'],
  ])
    assert.is(types.get(name!), type, name)
})

m('process and event-loop metrics are exposed beside the gateway families', async ({ g }) => {
  const types = validateExposition((await get(`${g.url}/metrics`)).text)
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds'])
    assert.ok(types.has(name), name)
})

m('a NaN sample is written NaN, as the exposition format spells it', async () => {
  // prom-client writes 'Nan' (the event-loop lag gauges before their first sample, as a CI
  // run on a fresh machine saw); the exposition format and OpenMetrics spell it NaN.
  const registry = new Registry()
  new Gauge({ name: 'kiln_test_not_a_number', help: 'always NaN', registers: [registry] }).set(Number.NaN)
  const text = await exposition(registry)
  assert.ok(text.includes('kiln_test_not_a_number NaN\n'), text)
  validateExposition(text)
})

m('promtool check metrics accepts /metrics', async ({ g }) => {
  if (!PROMTOOL) {
    console.log(
      '  skipped: promtool not found (scripts/setup installs it into .tools/promtool; KILN_PROMTOOL overrides)',
    )
    return
  }
  const text = (await get(`${g.url}/metrics`)).text
  const out = execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })
  assert.is(out.trim(), '', `promtool: ${out}`)
})

m.run()
