import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// The formatter and linter are part of the test run, so CI refuses code that does not
// follow them (biome.json is the style guide; `pnpm lint:fix` applies it).
const lint = suite('lint - biome')
const root = join(import.meta.dirname, '../..')

lint('biome ci reports no formatting or lint errors, nor warnings', () => {
  const r = spawnSync(
    join(root, 'node_modules/.bin/biome'),
    ['ci', '--colors=off', '--error-on-warnings', '--max-diagnostics=50', '.'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  if (r.status !== 0) console.log(r.stdout + r.stderr)
  assert.is(r.status, 0, 'biome ci failed (run `pnpm lint:fix`, then fix what remains by hand)')
})

lint.run()
