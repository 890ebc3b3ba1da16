// scripts/build-native.mjs decides whether the addon is up to date: a build/ configured
// with another CUDA switch, or copied from another checkout, must not count as built.
// Checked with --check on a copy of the sources and build/ metadata (nothing compiles).
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const repo = join(import.meta.dirname, '..', '..')
const test = suite('native - build stamp')

function check(root: string, cuda: string): { ok: boolean; out: string } {
  try {
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--check'], {
      env: { ...process.env, KILN_CUDA: cuda },
      encoding: 'utf8',
    })
    return { ok: true, out }
  } catch (err) {
    return { ok: false, out: String((err as { stdout?: string }).stdout) }
  }
}

test('a build/ configured for another CUDA switch or checkout is out of date', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-build-stamp-'))
  try {
    for (const part of ['native', 'CMakeLists.txt', 'scripts/build-native.mjs'])
      cpSync(join(repo, part), join(root, part), { recursive: true })
    mkdirSync(join(root, 'build', 'Release'), { recursive: true })
    writeFileSync(join(root, 'build', 'Release', 'kiln.node'), '')
    const cache = (cuda: string, home: string) =>
      writeFileSync(
        join(root, 'build', 'CMakeCache.txt'),
        `KILN_CUDA:STRING=${cuda}\nCMAKE_HOME_DIRECTORY:INTERNAL=${home}\n`,
      )
    // The stamp a KILN_CUDA=OFF build of this tree writes.
    cache('OFF', root)
    assert.is(check(root, 'OFF').ok, false, 'no stamp yet')
    const digest = execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--digest'], {
      env: { ...process.env, KILN_CUDA: 'OFF' },
      encoding: 'utf8',
    })
    writeFileSync(join(root, 'build', 'kiln-native.stamp'), digest)
    assert.equal(check(root, 'OFF'), { ok: true, out: 'native addon up to date\n' })

    cache('AUTO', root)
    const other = check(root, 'OFF')
    assert.is(other.ok, false)
    assert.match(other.out, 'configured with KILN_CUDA=AUTO')

    cache('OFF', '/elsewhere/kiln')
    const copied = check(root, 'OFF')
    assert.is(copied.ok, false)
    assert.match(copied.out, 'configured for /elsewhere/kiln')
    assert.ok(readFileSync(join(root, 'build', 'kiln-native.stamp'), 'utf8').length > 0, '--check builds nothing')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test.run()
