// The gateway's main thread does not load TensorFlow.js: model metadata is read through the
// light `@kiln/train/model-format` subpath, and only the inference threads run models.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { blobModel, install } from './fixtures.js'

const here = resolve(fileURLToPath(import.meta.url), '..')

const imports = suite('gateway - main thread imports')

imports('serving a request loads no TensorFlow.js on the main thread', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-gw-probe-'))
  try {
    install(await blobModel(1), root, 'blobs', 1)
    const out = execFileSync(
      process.execPath,
      ['--conditions=kiln-src', '--import', 'tsx', join(here, 'main-thread-probe.ts'), root, 'input'],
      { encoding: 'utf8', timeout: 120_000 },
    )
    assert.equal(JSON.parse(out.trim().split('\n').at(-1)!), { status: 200, tfLoaded: false })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

imports.run()
