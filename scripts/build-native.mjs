#!/usr/bin/env node
// Builds the native addon with cmake-js unless it is up to date. "Up to date" is a hash
// of every input (native/, CMakeLists.txt, the CUDA switch, Node's ABI), so a stale
// addon is never kept and an unchanged tree costs nothing.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const buildDir = join(root, 'build')
const stampFile = join(buildDir, 'kiln-native.stamp')
const addon = join(buildDir, 'Release', 'kiln.node')
const force = process.argv.includes('--force')
const cuda = process.env.KILN_CUDA ?? 'AUTO'
if (!['AUTO', 'ON', 'OFF'].includes(cuda)) {
  console.error(`build-native: KILN_CUDA must be AUTO, ON or OFF, got '${cuda}'`)
  process.exit(2)
}

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? files(path) : [path]
    })
}

const hash = createHash('sha256')
hash.update(`cuda=${cuda};abi=${process.versions.modules};node=${process.version}\n`)
for (const file of [join(root, 'CMakeLists.txt'), ...files(join(root, 'native'))]) {
  hash.update(file.slice(root.length))
  hash.update(readFileSync(file))
}
const digest = hash.digest('hex')
// --digest: print the stamp a build of this tree writes (for tests of the up-to-date check).
if (process.argv.includes('--digest')) {
  process.stdout.write(digest)
  process.exit(0)
}

// cmake-js `compile` reuses a configured build/ as it is: a cache made with another CUDA
// switch would build (and stamp) the wrong addon, and one copied from another checkout
// would build that checkout's sources. Such a cache makes the addon out of date, and is
// dropped before building so the build reconfigures.
const cacheFile = join(buildDir, 'CMakeCache.txt')
function staleCache() {
  if (!existsSync(cacheFile)) return undefined
  const cache = readFileSync(cacheFile, 'utf8')
  const setting = (name) => cache.match(new RegExp(`^${name}:[A-Z]+=(.*)$`, 'm'))?.[1]
  if (setting('KILN_CUDA') !== cuda) return `build/ was configured with KILN_CUDA=${setting('KILN_CUDA')}`
  if (setting('CMAKE_HOME_DIRECTORY') !== root) return `build/ was configured for ${setting('CMAKE_HOME_DIRECTORY')}`
  return undefined
}
const stale = staleCache()

const upToDate = !stale && existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest
// --check: only say whether a build is needed (exit 0 up to date, 1 not), building nothing.
if (process.argv.includes('--check')) {
  console.log(upToDate ? 'native addon up to date' : `native addon out of date${stale ? ` (${stale})` : ''}`)
  process.exit(upToDate ? 0 : 1)
}
if (!force && upToDate) {
  console.log('native addon up to date')
  process.exit(0)
}

if (stale) {
  console.log(`build-native: reconfiguring: ${stale}`)
  rmSync(buildDir, { recursive: true, force: true })
}
console.log(`building native addon (KILN_CUDA=${cuda})...`)
const started = Date.now()
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js')
const result = spawnSync(
  process.execPath,
  [
    cmakeJs,
    'compile',
    '-O',
    'build',
    `--CDKILN_CUDA=${cuda}`,
    '--parallel',
    String(Math.max(2, (await import('node:os')).availableParallelism())),
  ],
  {
    cwd: root,
    stdio: 'inherit',
  },
)
if (result.status !== 0) {
  console.error('build-native: the native build failed (see the compiler output above)')
  process.exit(result.status ?? 1)
}
mkdirSync(buildDir, { recursive: true })
writeFileSync(stampFile, digest)
console.log(`native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${addon}`)
