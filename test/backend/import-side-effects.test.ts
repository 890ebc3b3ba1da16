// Importing @kiln/backend or @kiln/train does no work on tfjs: no backend registered, no
// kernel or gradient added, no prototype patched, and the native addon is not opened. Entry points register explicitly
// (registerKilnBackends / selectKilnBackend / '@kiln/backend/register'); the last suite shows
// that the same snapshot does see what registration changes.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'

const test = suite('backend - importing registers and patches nothing')

// Every native addon this process opens (require of a .node file goes through process.dlopen).
const opened: string[] = []
const dlopen = process.dlopen.bind(process)
process.dlopen = ((module: unknown, filename: string, ...rest: unknown[]) => {
  opened.push(filename)
  return (dlopen as (...a: unknown[]) => void)(module, filename, ...rest)
}) as typeof process.dlopen
const kilnAddons = () => opened.filter((f) => f.endsWith('kiln.node'))

type Proto = Record<string, unknown>
const layers = () =>
  (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, [{ prototype: Proto }]> })
    .classNameMap
const engine = () => tf.engine() as unknown as { registryFactory: Record<string, unknown> }

/** Everything the kiln backends touch in tfjs' globals, by reference. */
function snapshot(): Map<string, unknown> {
  const s = new Map<string, unknown>()
  s.set('backends', Object.keys(engine().registryFactory).sort().join(','))
  for (const b of ['kiln', 'kiln-cuda']) s.set(`kernels ${b}`, tf.getKernelsForBackend(b).length)
  for (const g of ['_FusedMatMul', 'SoftmaxCrossEntropy', 'KilnDense', 'KilnCrossentropy'])
    s.set(`gradient ${g}`, tf.getGradient(g))
  const optimizers = [tf.SGDOptimizer, tf.MomentumOptimizer, tf.AdamOptimizer, tf.RMSPropOptimizer]
  for (const o of optimizers) s.set(`${o.name}.applyGradients`, o.prototype.applyGradients)
  const model = tf.LayersModel.prototype as unknown as Proto
  for (const m of ['compile', 'makeTrainFunction', 'fit', 'predict', 'evaluate']) s.set(`LayersModel.${m}`, model[m])
  s.set('Dense.call', layers().Dense?.[0].prototype.call)
  return s
}

function changed(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  return [...before.keys()].filter((k) => before.get(k) !== after.get(k))
}

test('importing @kiln/backend and @kiln/train leaves the registry and the prototypes as they were', async () => {
  const before = snapshot()
  assert.ok(before.get('Dense.call'), 'the Dense class is found (else the check would be empty)')
  await import('@kiln/backend')
  await import('@kiln/train')
  assert.equal(changed(before, snapshot()), [])
  assert.is(tf.findBackendFactory('kiln'), null)
  assert.equal(kilnAddons(), [], 'the native addon is opened on first use, not on import')
})

test('registerKilnBackends registers kiln and patches, once', async () => {
  const before = snapshot()
  const { registerKilnBackends } = await import('@kiln/backend')
  registerKilnBackends()
  const after = snapshot()
  const diff = changed(before, after)
  for (const k of ['backends', 'kernels kiln', 'SGDOptimizer.applyGradients', 'Dense.call', 'LayersModel.compile'])
    assert.ok(diff.includes(k), `${k} changed (changed: ${diff.join(', ')})`)
  assert.is(kilnAddons().length, 1, 'registering opens the addon (so the check above can fail)')
  registerKilnBackends()
  assert.equal(changed(after, snapshot()), [], 'a second call changes nothing')
})

test.run()
