// One uvu suite over one test bed, as every multi-host test file sets it up: skipped with a
// line saying why where the bed cannot run (not root, no network namespaces), the bed
// started before the tests with a client connection and the operator's view, and torn down
// after them even when a test failed.
import { type Callback, suite, type Test } from 'uvu'
import type { NatsConnection } from '@nats-io/transport-node'
import { loud } from '../../helpers/hooks.js'
import { Testbed, testbedUnavailable, type TestbedOptions } from './testbed.js'
import { View } from './workload.js'

export interface BedCtx {
  bed?: Testbed
  nc?: NatsConnection
  view?: View
}

/** The suite (for extra hooks and run()) and `test`, which skips every test where the bed cannot run. */
export function bedSuite(
  name: string,
  options: TestbedOptions,
): { suite: Test<BedCtx>; test: (name: string, fn: Callback<BedCtx>) => void } {
  const s = suite<BedCtx>(name)
  const why = testbedUnavailable()
  if (why) console.log(`  (skipped: ${why})`)
  s.before(
    loud(async (ctx) => {
      if (why) return
      ctx.bed = await Testbed.start(options)
      ctx.nc = await ctx.bed.connect('client')
      ctx.view = new View(ctx.nc)
    }),
  )
  s.after(
    loud(async (ctx) => {
      await ctx.nc?.close().catch(() => undefined)
      await ctx.bed?.destroy()
    }),
  )
  return { suite: s, test: (title, fn) => (why ? s.skip(title, fn) : s(title, fn)) }
}
