// Each view rendered at 80×24 from states recorded on a real local cluster (see render.ts):
// what it shows, and what its keys do.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { waitFor } from '../helpers/wait-for.js'
import { HELP, VIEWS, footerOf } from '@kiln/dashboard'
import { KEY, recording, renderApp } from './render.js'

const test = suite('dashboard - views')

const busy = recording('busy')
const endpoints = recording('endpoints')

test('dashboard - cluster view: nodes with slots, heartbeat age, a lost node, summary, events', async () => {
  const app = renderApp({ rec: busy })
  const f = await app.until('NODE')
  assert.match(f, /worker-1 +vm +cpu0● .* 1 trial/)
  assert.match(f, /worker-2 +vm +cpu0✕ .* lost/)
  assert.match(f, /1 node live, 1 lost · 1\/1 slots busy/)
  app.unmount()
  const withEvents = renderApp({ rec: endpoints })
  const g = await withEvents.until('Recent events')
  assert.match(g, /endpoint fashion rollback \(revision 4\)/)
  assert.match(g, /drift on demo-sweep@1: feature PSI/)
  withEvents.unmount()
})

test('dashboard - sweeps: the list, then a sweep with trial states, params, pending reasons and charts', async () => {
  const app = renderApp({ rec: busy, view: 'runs' })
  let f = await app.until('busy-sweep')
  // Active runs first.
  const lines = f.split('\n')
  assert.ok(lines.findIndex((l) => l.includes('busy-sweep')) < lines.findIndex((l) => l.includes('demo-sweep')), f)
  assert.match(f, /sweep +busy-sweep +running +1\/6 1▶/)
  await app.keys(KEY.enter)
  f = await app.until('TRIAL')
  assert.match(f, /busy-sweep running · random\/asha · best val_accuracy 0\.8604/)
  assert.match(f, /trial-3 +pending .*waiting for 1 cpu slot, 0 free/)
  assert.match(f, /trial-2 +running +1 .*model=cnn\[32,64\]/)
  assert.match(f, /loss +accuracy/)
  assert.match(f, /[\u2801-\u28ff]/, 'a braille chart line')
  // The charts asked for the trials' metric history.
  await waitFor('the metric history to be asked for', () =>
    app.calls.some(([what, ids]) => what === 'loadMetrics' && (ids as string[]).length === 5),
  )
  await app.keys(KEY.down, KEY.down, 'l')
  f = await app.until('log of')
  assert.match(f, /log of job-sweep-57bd0cef7aac-trial-3 pending/)
  await waitFor('the log to be followed', () =>
    app.calls.some(([w, id]) => w === 'followLogs' && id === 'job-sweep-57bd0cef7aac-trial-3'),
  )
  app.unmount()
})

test('dashboard - sweeps: a failed trial shows its reason, and where its script threw when selected', async () => {
  const rec = recording('busy')
  const trial = rec.trials.find((t) => t.id === 'job-sweep-57bd0cef7aac-trial-3')!
  Object.assign(trial, {
    state: 'failed',
    error: {
      name: 'TrialScriptError',
      code: 'invalid_argument',
      message: 'trial.ts: failed: RangeError: the learning rate is cursed',
      data: { at: 'helper.ts:5:11', frames: ['at check (helper.ts:5:11)', 'at train (trial.ts:5:3)'] },
    },
  })
  const app = renderApp({ rec, view: 'runs' })
  await app.until('busy-sweep')
  await app.keys(KEY.enter)
  let f = await app.until('TRIAL')
  assert.match(f, /trial-3 +failed .*trial\.ts: failed: RangeError: the le/, 'its row says why (clipped at 80 columns)')
  await app.keys(KEY.down, KEY.down)
  f = await app.until('at check (helper.ts:5:11)')
  assert.match(f, /at train \(trial\.ts:5:3\)/)
  app.unmount()
})

test('dashboard - sweeps: x asks before cancelling, and only y cancels', async () => {
  const app = renderApp({ rec: busy, view: 'runs' })
  await app.until('busy-sweep')
  await app.keys('x')
  await app.until('Cancel sweep sweep-57bd0cef7aac and all its trials?')
  // The question holds the keyboard: a view key or q is an answer (no), not a switch or quit.
  await app.keys('4')
  const after = await app.until((f) => !f.includes('Cancel sweep'))
  assert.match(after, /KIND +NAME/, `still the Sweeps & jobs view:\n${after}`)
  await app.keys('x')
  await app.until('Cancel sweep sweep-57bd0cef7aac and all its trials?')
  await app.keys('n')
  await app.until((f) => !f.includes('Cancel sweep'))
  assert.equal(app.calls.filter(([w]) => w === 'cancel').length, 0)
  await app.keys('x', 'y')
  await app.until('cancel: done')
  assert.equal(
    app.calls.filter(([w]) => w === 'cancel'),
    [['cancel', 'sweep-57bd0cef7aac']],
  )
  app.unmount()
})

test('dashboard - endpoints: weights, req/s, p50/p99, drift and alerts; promote and rollback ask first', async () => {
  const app = renderApp({ rec: endpoints, view: 'endpoints' })
  const f = await app.until('ENDPOINT')
  assert.match(f, /fashion +demo-swe… +demo-sweep@1 +█████░ 80% +0\.0 +3\.5 ms +55 ms DRIFT 1\.84/)
  assert.match(f, /fashion +dash-e2e… +dash-e2e@1 +█░░░░░ 20%/)
  assert.match(f, /demo-sweep@1: feature PSI 1\.8428 > 0\.2, predictions 1\.5727/)
  await app.keys(KEY.down, 'p')
  await app.until("Promote dash-e2e-v1 to all of fashion's traffic?")
  await app.keys('n')
  await app.keys('r')
  await app.until('Roll fashion back from revision 4 to the one before?')
  await app.keys('y')
  await app.until('rollback: done')
  await app.keys('p', 'y')
  await app.until('promote: done')
  assert.equal(
    app.calls.filter(([w]) => w === 'promote' || w === 'rollback'),
    [
      ['rollback', 'fashion'],
      ['promote', 'fashion', 'dash-e2e-v1'],
    ],
  )
  app.unmount()
})

test('dashboard - a failing action shows a message, not a crash', async () => {
  const app = renderApp({
    rec: endpoints,
    view: 'endpoints',
    actions: {
      promote: async () => {
        throw new Error('no gateway answers kiln.gateway.api.promote')
      },
    },
  })
  await app.until('ENDPOINT')
  await app.keys('p', 'y')
  await app.until('promote: no gateway answers kiln.gateway.api.promote')
  app.store.apply({
    kind: 'error',
    where: 'kiln_trials',
    error: new Error('stream not found'),
    at: app.store.state.now,
  })
  await app.until('kiln_trials: stream not found')
  assert.match(app.frame(), /ENDPOINT/)
  app.unmount()
})

test('dashboard - logs: pick a trial, its log and metric lines follow', async () => {
  const app = renderApp({ rec: endpoints, view: 'logs' })
  await app.until('Pick a trial to follow')
  await app.keys(KEY.enter)
  const f = await app.until('log of')
  assert.match(f, /epoch 1 +val_loss [0-9.]+ +val_accuracy [0-9.]+/)
  await waitFor('the log to be followed', () => app.calls.filter(([w]) => w === 'followLogs').length === 1)
  await app.keys(KEY.esc)
  await app.until('Pick a trial to follow')
  await waitFor('leaving a log to stop following it', () => app.calls.some(([w]) => w === 'stopLogs'))
  app.unmount()
})

test('dashboard - keys: tab and numbers switch views, ? shows help, footer names the keys', async () => {
  const app = renderApp({ rec: busy })
  await app.until('tab/1-8 view  ? help  q quit')
  await app.keys(KEY.tab)
  await app.until('KIND')
  await app.keys('4')
  await app.until('ENDPOINT')
  await app.keys('?')
  const help = await app.until('kiln dash keys')
  assert.match(help, /p, r +Endpoints: promote the selected variant/)
  await app.keys('x')
  await app.until('ENDPOINT')
  app.unmount()
})

test('dashboard - the view registry: each view has its key, tab, footer keys and help lines', async () => {
  const app = renderApp({ rec: busy })
  await app.until('q quit')
  for (const v of VIEWS) {
    await app.keys(v.key)
    const f = await app.until(footerOf(v.id))
    // At 80 columns the tabs take their short titles when the full ones do not fit.
    const tabs = f.split('\n')[0]!
    const shown = [v.title, v.short].filter((t) => t !== undefined).map((t) => ` ${v.key} ${t} `)
    assert.ok(
      shown.some((t) => tabs.includes(t)),
      `${v.id} in the tab bar: ${tabs}`,
    )
  }
  await app.keys('?')
  const help = await app.until('kiln dash keys')
  for (const [keys, what] of VIEWS.flatMap((v) => v.help))
    assert.ok(help.includes(`${keys}`) && help.includes(what.slice(0, 30)), what)
  assert.equal(HELP.length, new Set(HELP.map(([k]) => k)).size, 'no key listed twice')
  app.unmount()
})

test('dashboard - every view fits 80×24 and follows a resize', async () => {
  for (const [view, key] of [
    ['cluster', ''],
    ['runs', KEY.enter],
    ['launch', KEY.enter],
    ['endpoints', ''],
    ['logs', KEY.enter],
  ] as const) {
    const app = renderApp({ rec: busy, view })
    await app.until('tab/1-8')
    if (key) await app.keys(key)
    const lines = app.frame().split('\n')
    assert.equal(lines.length, 23, `${view}: ${lines.length} lines`)
    for (const l of lines) assert.ok([...l].length <= 80, `${view}: line over 80 columns: ${l}`)
    app.resize({ columns: 120, rows: 40 })
    const big = (await app.until((f) => f.split('\n').length === 39)).split('\n')
    // Tables and charts fill the width; Launch and Logs lines are as long as their text.
    if (view !== 'launch' && view !== 'logs')
      assert.ok(
        big.some((l) => [...l].length > 80),
        `${view}: does not use a wider terminal`,
      )
    app.unmount()
  }
})

test.run()
