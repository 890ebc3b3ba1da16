// The coordinator keeps a sweep event-sourced: an engine rebuilt from its event log
// (replay) or from a snapshot (restore) must continue exactly as the original would.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SweepEngine, SweepReplayError, type SweepEvent } from '@kiln/sweep'
import { uniformStream } from '../helpers/random.js'
import { engine, FakeClock, spec } from './drive.js'

/** Drives an engine with a seeded mix of next/report/complete/fail calls; returns what it said. */
class Driver {
  private readonly running: Map<string, number>
  private readonly u: () => number
  readonly said: unknown[] = []

  constructor(
    private readonly e: SweepEngine,
    private readonly clock: FakeClock,
    seed: number,
    running: ReadonlyMap<string, number> = new Map(),
  ) {
    this.u = uniformStream(seed)
    this.running = new Map(running)
  }

  /** A driver for another engine that knows the same running trials and uses stream `seed`. */
  fork(e: SweepEngine, clock: FakeClock, seed: number): Driver {
    return new Driver(e, clock, seed, this.running)
  }

  run(steps: number): void {
    for (let i = 0; i < steps; i++) {
      this.clock.advance(Math.floor(this.u() * 50))
      const ids = [...this.running.keys()].sort()
      if (this.u() < 0.3 || ids.length === 0) {
        const n = this.e.next()
        this.said.push(n)
        if ('trialId' in n) this.running.set(n.trialId, n.resume?.fromT ?? 0)
        continue
      }
      const id = ids[Math.floor(this.u() * ids.length)]!
      const r = this.u()
      if (r < 0.8) {
        const t = this.running.get(id)! + 1
        const d = this.e.report(id, t, this.u())
        this.said.push(d)
        if (d.action === 'exploit') this.running.set(id, d.checkpointT)
        else if (d.action === 'continue') this.running.set(id, t)
        else this.running.delete(id)
      } else {
        if (r < 0.95) this.e.complete(id, r < 0.9 ? this.u() : undefined)
        else this.e.fail(id, new Error('lost'))
        this.running.delete(id)
        this.said.push(this.e.leaderboard().length)
      }
    }
  }
}

const CONFIGS: Record<string, Record<string, unknown>> = {
  'tpe + asha': { algorithm: { name: 'tpe', startupTrials: 4 }, scheduler: { name: 'asha', maxT: 9, brackets: 2 } },
  'random + hyperband': { algorithm: 'random', scheduler: { name: 'hyperband', maxT: 9, gracePeriod: 1 } },
  'random + pbt': { algorithm: 'random', scheduler: { name: 'pbt', perturbationInterval: 2, quantileFraction: 0.5 } },
  'tpe + median': {
    algorithm: { name: 'tpe', startupTrials: 3, multivariate: false },
    scheduler: { name: 'median', minSamples: 2 },
  },
  'grid + fifo': { algorithm: 'grid', maxTrials: 30 },
}
const SPACE = {
  lr: { loguniform: [1e-4, 1e-1] },
  units: { int: [8, 128], log: true },
  act: { choice: ['relu', 'tanh'] },
  drop: { quniform: [0, 0.5, 0.1] },
}

const replay = suite('sweep - replay and restore')

for (const [name, config] of Object.entries(CONFIGS)) {
  replay(`${name}: replayed and restored engines continue identically`, () => {
    const s = spec({ maxTrials: 40, maxConcurrent: 4, maxRuntime: '10m', ...config, space: SPACE })
    const a = engine(s, 11)
    const driverA = new Driver(a.engine, a.clock, 5)
    driverA.run(150)
    const events: SweepEvent[] = JSON.parse(JSON.stringify(a.events))
    const snapshot = JSON.parse(JSON.stringify(a.engine.snapshot()))
    const replayedClock = new FakeClock(a.clock.ms)
    const replayed = SweepEngine.replay(s, { seed: 11, clock: replayedClock }, events)
    const restoredClock = new FakeClock(a.clock.ms)
    const restored = SweepEngine.restore(snapshot, { clock: restoredClock })
    assert.equal(replayed.snapshot(), a.engine.snapshot(), 'replay rebuilds the same state and RNG position')
    assert.equal(restored.snapshot(), a.engine.snapshot())
    assert.is(replayed.eventCount, events.length)

    // From here on the three engines get the same calls: same running trials, same stream.
    const [nextA, driverB, driverC] = [a.engine, replayed, restored].map((e, i) =>
      driverA.fork(e, [a.clock, replayedClock, restoredClock][i]!, 99),
    )
    for (const d of [nextA!, driverB!, driverC!]) d.run(250)
    assert.is(nextA!.said.length, 250)
    assert.equal(driverB!.said, nextA!.said, 'replayed engine: same asks and decisions')
    assert.equal(driverC!.said, nextA!.said, 'restored engine: same asks and decisions')
    assert.equal(replayed.snapshot(), a.engine.snapshot())
    assert.equal(restored.snapshot(), a.engine.snapshot())
    const kinds = new Set(a.events.map((e) => e.type))
    assert.ok(kinds.has('trial') && kinds.has('report') && kinds.has('complete'), [...kinds].join(','))
  })
}

replay('a log that does not fit is refused: other seed, other params, unknown trial, missing start', () => {
  const s = spec({ maxTrials: 5, space: SPACE })
  const a = engine(s, 3)
  new Driver(a.engine, a.clock, 1).run(30)
  const clock = new FakeClock()
  assert.throws(
    () => SweepEngine.replay(s, { seed: 4, clock }, a.events),
    (e: unknown) => e instanceof SweepReplayError && /seed 3, not 4/.test((e as Error).message),
  )
  const tampered = a.events.map((e) =>
    e.type === 'trial' && e.trialId === 'trial-2' ? { ...e, params: { ...e.params, act: 'gelu' } } : e,
  )
  assert.throws(() => SweepEngine.replay(s, { seed: 3, clock }, tampered), /trial-2 was started with other params/)
  const ghost: SweepEvent[] = [a.events[0]!, { type: 'report', at: 1, trialId: 'trial-7', t: 1, value: 0.5 }]
  assert.throws(() => SweepEngine.replay(s, { seed: 3, clock }, ghost), /trial-7, which the log never started/)
  assert.throws(() => SweepEngine.replay(s, { seed: 3, clock }, a.events.slice(1)), /the first event must be "start"/)
  assert.throws(() => SweepEngine.restore({ format: 'other' } as never, { clock }), /not a sweep snapshot/)
})

replay('a standby engine following the log with apply() stays in step', () => {
  const s = spec({ algorithm: { name: 'tpe', startupTrials: 2 }, maxTrials: 12, maxConcurrent: 3, space: SPACE })
  const clock = new FakeClock()
  let standby: SweepEngine | undefined
  const primary = new SweepEngine(s, {
    seed: 8,
    clock,
    onEvent: (event) => {
      if (event.type === 'start') standby = SweepEngine.replay(s, { seed: 8, clock }, [event])
      else standby!.apply(event)
    },
  })
  new Driver(primary, clock, 2).run(120)
  assert.equal(standby!.snapshot(), primary.snapshot())
})

replay.run()
