import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import type { ObjectStore } from '@nats-io/obj'
import { BundleError, bundleTrialScript, fetchBundle, readManifest, uploadBundle, type TrialBundle } from '@kiln/bundle'
import { sha256Hex } from '@kiln/data'
import { NotFoundError, ValidationError } from '@kiln/protocol'
import { MODEL_FORMAT, parseSpec, trainLocal } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { startLayout, type TestLayout } from '../helpers/layout.js'
import { rejects } from '../helpers/rejects.js'
import { blobDataset } from '../train/synthetic.js'

// The user's project: a trial importing a helper file, tfjs and a Kiln package, in a temp
// folder outside the repository (as a user's would be).
const FILES: Record<string, string> = {
  'trial.ts': `import * as tf from '@tensorflow/tfjs'
import { sampleSize } from '@kiln/data'
import { MODEL_FORMAT, type TrialContext } from '@kiln/train'
import { hiddenLayer, HELPER_MARK } from './lib/layers'

export default async function train(ctx: TrialContext) {
  const { train, sampleShape, numClasses } = await ctx.data()
  ;(globalThis as any).__bundleProbe = { tf, width: sampleSize({ sampleShape }), mark: HELPER_MARK, format: MODEL_FORMAT }
  const model = tf.sequential({ layers: [
    tf.layers.flatten({ inputShape: sampleShape }),
    hiddenLayer(8),
    tf.layers.dense({ units: numClasses, activation: 'softmax' }),
  ] })
  model.compile({ optimizer: ctx.distributed(ctx.optimizer()), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  await model.fit(train.x, train.y, { epochs: ctx.params.epochs, batchSize: ctx.params.batchSize, callbacks: ctx.callbacks(), yieldEvery: 'never' })
  return model
}
`,
  'lib/layers.ts': `import * as tf from '@tensorflow/tfjs'

export const HELPER_MARK = 'helper-inlined-' + 42

export function hiddenLayer(units: number) {
  return tf.layers.dense({ units, activation: 'relu' })
}

export function boom(): never {
  throw new Error('boom from the helper')
}
`,
  'throws.ts': `import { boom } from './lib/layers'
export default async function train() {
  return boom()
}
`,
  'broken.ts': 'export default async function train( {\n',
  'unresolved.ts': "import { x } from './not-there'\nexport default x\n",
}

type Ctx = { cluster?: TestLayout; store?: ObjectStore; project?: string; tmp?: string; bundle?: TrialBundle }
const bundles = suite<Ctx>('bundle - trial bundles')

bundles.before(
  loud(async (ctx) => {
    ctx.cluster = await startLayout()
    ctx.store = ctx.cluster.layout.objects.bundles
    ctx.tmp = mkdtempSync(join(tmpdir(), 'kiln-bundle-'))
    ctx.project = join(ctx.tmp, 'project')
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(ctx.project, name)), { recursive: true })
      writeFileSync(join(ctx.project, name), text)
    }
  }),
)
bundles.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.tmp) rmSync(ctx.tmp, { recursive: true, force: true })
  }),
)

const quiet = () => {}
const spec = (script: string) =>
  parseSpec(`name: bundled\ndataset: unused\nmodel: { script: ${script} }\ntraining: { epochs: 1, batchSize: 32 }\n`)

bundles('a script and its helper file become one ESM file; tfjs and Kiln stay imports', async (ctx) => {
  const bundle = await bundleTrialScript(join(ctx.project!, 'trial.ts'))
  ctx.bundle = bundle
  const text = new TextDecoder().decode(bundle.bytes)
  assert.is(bundle.id, sha256Hex(bundle.bytes))
  assert.is(bundle.entry, 'trial.ts')
  assert.equal(bundle.externals, ['@kiln/data', '@kiln/train', '@tensorflow/tfjs'])
  assert.equal(readManifest(bundle.bytes, 'b'), { entry: 'trial.ts', externals: bundle.externals })
  assert.match(text, /function hiddenLayer\(/)
  assert.not.match(text, /lib\/layers['"]/, 'the helper is inlined, not imported')
  assert.match(text, /from "@tensorflow\/tfjs"/)
  // Another copy of the project elsewhere bundles to the same bytes.
  const copy = join(ctx.tmp!, 'elsewhere', 'deeper')
  cpSync(ctx.project!, copy, { recursive: true })
  assert.is((await bundleTrialScript(join(copy, 'trial.ts'))).id, bundle.id)
})

bundles('uploading is content-addressed: the same bundle is stored once', async ({ store, bundle }) => {
  assert.is(await uploadBundle(store!, bundle!), bundle!.id)
  const first = await store!.info(bundle!.id)
  assert.is(await uploadBundle(store!, bundle!), bundle!.id)
  assert.is((await store!.info(bundle!.id))!.nuid, first!.nuid)
  assert.is(first!.size, bundle!.bytes.length)
  await rejects(
    () => uploadBundle(store!, { ...bundle!, id: '0'.repeat(64) }),
    (e) => e instanceof ValidationError && /bundle\.id/.test((e as Error).message),
  )
})

bundles(
  "a fetched bundle runs from a cache folder outside the repo, with the worker's own tfjs",
  async ({ store, bundle, tmp }) => {
    const cacheDir = join(tmp!, 'worker-cache')
    // As a worker does: resolve from where @kiln/train is (it finds itself and its tfjs there).
    const path = await fetchBundle(store!, bundle!.id, cacheDir, { resolveFrom: [import.meta.resolve('@kiln/train')] })
    assert.is(path, join(cacheDir, 'bundles', `${bundle!.id}.mjs`))
    assert.is(sha256Hex(readFileSync(path)), bundle!.id)
    const result = await trainLocal(spec(path), {
      outDir: join(tmp!, 'model'),
      datasets: { train: blobDataset('blobs', 200, [3, 2], 3), test: blobDataset('blobs-test', 30, [3, 2], 3, 2) },
      log: quiet,
    })
    assert.is(result.epochsRun, 1)
    assert.is(result.metrics.test?.count, 30)
    const probe = (globalThis as any).__bundleProbe
    assert.is(probe.mark, 'helper-inlined-42')
    assert.is(probe.width, 6, '@kiln/data resolved and works')
    assert.is(probe.format, MODEL_FORMAT, '@kiln/train resolved')
    assert.ok(probe.tf === tf, 'the bundle got the same tfjs module instance as the worker')
  },
)

bundles(
  'a corrupt cached bundle is fetched again; a node without the packages says which are missing',
  async ({ store, bundle, tmp }) => {
    const cacheDir = join(tmp!, 'corrupt-cache')
    const path = await fetchBundle(store!, bundle!.id, cacheDir)
    writeFileSync(path, 'export default () => { throw new Error("tampered") }\n')
    assert.is(await fetchBundle(store!, bundle!.id, cacheDir), path)
    assert.is(sha256Hex(readFileSync(path)), bundle!.id)

    await rejects(
      () => fetchBundle(store!, bundle!.id, join(tmp!, 'bare'), { resolveFrom: [tmp!] }),
      (e) =>
        e instanceof BundleError &&
        /imports @kiln\/data, @kiln\/train, @tensorflow\/tfjs, which this node does not have/.test(
          (e as Error).message,
        ),
    )
    await rejects(() => fetchBundle(store!, 'f'.repeat(64), cacheDir), NotFoundError)
    await rejects(
      () => fetchBundle(store!, '../etc/passwd', cacheDir),
      (e) => e instanceof ValidationError && /bundle: expected a bundle id/.test((e as Error).message),
    )
  },
)

bundles("stack traces from a bundle point at the user's file and line", async ({ store, project, tmp }) => {
  process.setSourceMapsEnabled(true)
  const bundle = await bundleTrialScript(join(project!, 'throws.ts'))
  const path = await fetchBundle(store!, await uploadBundle(store!, bundle), join(tmp!, 'maps'))
  const trial = (await import(pathToFileURL(path).href)) as { default: () => Promise<never> }
  const err = await rejects(() => trial.default(), Error)
  const stack = String((err as Error).stack)
  assert.match(stack, /boom from the helper/)
  assert.match(stack, /lib\/layers\.ts:10:/, stack)
})

bundles('scripts that cannot be bundled get a BundleError naming the file and line', async ({ project }) => {
  await rejects(
    () => bundleTrialScript(join(project!, 'broken.ts')),
    (e) =>
      e instanceof BundleError &&
      /broken\.ts:2:\d+: Expected identifier but found end of file/.test((e as Error).message),
  )
  await rejects(
    () => bundleTrialScript(join(project!, 'unresolved.ts')),
    (e) =>
      e instanceof BundleError && /unresolved\.ts:1:\d+: Could not resolve "\.\/not-there"/.test((e as Error).message),
  )
  await rejects(
    () => bundleTrialScript(join(project!, 'missing.ts')),
    (e) => e instanceof BundleError && /missing\.ts: no such file/.test((e as Error).message),
  )
  assert.ok(existsSync(join(project!, 'trial.ts')))
})

bundles.run()
