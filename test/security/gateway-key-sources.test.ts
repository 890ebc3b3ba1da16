// Issue 13 finding 2 (keys off the command line): `kiln gateway` takes its keys from a file
// (--api-key-file) or the environment ($KILN_GATEWAY_API_KEYS), so they need not show in the
// process list; a bad key file is refused without echoing any key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '@kiln/cli'
import { blobModel, install } from '../gateway/fixtures.js'
import { cliIo, post, waitFor } from '../gateway/harness.js'

const sources = suite<{ dir: string }>('security - gateway keys from a file or the environment')
sources.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-keys-'))
  install(await blobModel(1), join(ctx.dir, 'models'), 'blobs', 1)
  writeFileSync(join(ctx.dir, 'keys.txt'), '# serving keys\nfile-key-123456\n\n')
})
sources.after(({ dir }) => rmSync(dir, { recursive: true, force: true }))

const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }

sources('keys from --api-key-file and $KILN_GATEWAY_API_KEYS are required and accepted', async ({ dir }) => {
  const c = cliIo({ KILN_GATEWAY_API_KEYS: 'env-key-abcdef,env-key-2-abcdef' }, dir)
  const done = runCli(
    ['gateway', '--models', 'models', '--port', '0', '--threads', '1', '--api-key-file', 'keys.txt'],
    c.io,
  )
  const url = await waitFor(() => /listening on (\S+)/.test(c.text()), 'the gateway', 60_000).then(
    () => /listening on (\S+)/.exec(c.text())![1]!,
  )
  try {
    const infer = (key?: string) =>
      post(`${url}/v2/models/blobs/infer`, body, key ? { authorization: `Bearer ${key}` } : {})
    assert.is((await infer()).status, 401)
    assert.is((await infer('not-a-key-000')).status, 401)
    for (const key of ['file-key-123456', 'env-key-abcdef', 'env-key-2-abcdef'])
      assert.is((await infer(key)).status, 200, key)
  } finally {
    c.interrupt()
    assert.is(await done, 0)
  }
})

sources('a key file with a bad key is refused without printing it', async ({ dir }) => {
  writeFileSync(join(dir, 'bad.txt'), 'short\n')
  const c = cliIo({}, dir)
  const code = await runCli(['gateway', '--models', 'models', '--port', '0', '--api-key-file', 'bad.txt'], c.io)
  assert.is(code, 2)
  assert.match(c.text(), /--api-key-file bad\.txt: key 1: expected 8-512 printable characters/)
  assert.not.match(c.text(), /short/)
})

sources.run()
