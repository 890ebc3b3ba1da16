// Issue 15: a worker asked for GPUs says why it offers none, instead of silently announcing
// 0 GPU slots: the addon was built without CUDA, or no device can be used.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { gpuWarning } from '@kiln/cli'
import { loud } from '../helpers/hooks.js'
import { startKiln } from '../helpers/kiln-process.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

const gpus = suite<{ server?: NatsServer }>('cli - kiln worker --gpus says why it has no GPU slot')
gpus.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
  }),
)
gpus.after(
  loud(async (ctx) => {
    await ctx.server?.stop()
  }),
)

gpus('the warning for each reason, and none when no GPU was asked for or one is there', () => {
  const noCuda = { compiled: false, devices: 0, reason: 'built without CUDA' }
  assert.match(
    gpuWarning('auto', noCuda)!,
    /--gpus auto, but the native addon was built without CUDA .*KILN_CUDA=ON pnpm build:native/,
  )
  assert.match(gpuWarning([0, 1], noCuda)!, /^--gpus 0,1, but the native addon was built without CUDA/)
  const noDevice = { compiled: true, devices: 0, reason: 'no CUDA driver' }
  assert.match(
    gpuWarning('auto', noDevice)!,
    /--gpus auto, but no GPU can be used: no CUDA driver; this node offers no GPU slots/,
  )
  assert.is(gpuWarning('none', noCuda), undefined)
  assert.is(gpuWarning('auto', { compiled: true, devices: 1, reason: '' }), undefined)
})

gpus('a real worker started with --gpus auto on this machine warns when it offers no GPU slot', async ({ server }) => {
  const { cudaInfo } = await import('@kiln/native')
  const cuda = cudaInfo()
  const worker = startKiln(['worker', '--nats', server!.url, '--gpus', 'auto', '--slots', '1', '--name', 'gpu-check'])
  try {
    const ready = (await worker.ready) as { slots: string[] }
    if (cuda.devices > 0) {
      assert.ok(
        ready.slots.some((s) => s.startsWith('gpu')),
        'a GPU machine offers GPU slots',
      )
      assert.not.match(worker.output(), /warning: --gpus/)
      return
    }
    assert.equal(ready.slots, ['cpu0'])
    await waitFor('the warning', () => worker.output().includes('kiln worker: warning: --gpus auto, but'), 10_000)
    assert.match(worker.output(), cuda.compiled ? /no GPU can be used/ : /built without CUDA/)
  } finally {
    await worker.stop()
  }
})

gpus.run()
