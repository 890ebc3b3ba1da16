// A bundle in a cache folder imports `@tensorflow/tfjs` and `@kiln/*`, and node resolves
// bare imports from the importing file's folder upwards: from a cache outside any project
// they would not be found. So the cache folder gets a node_modules of symlinks to the
// packages this process itself uses. Node resolves through symlinks to the real paths, so
// the trial gets the very module instances the worker has loaded (one tfjs engine, with the
// kiln backend registered), not second copies.
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { mkdir, readlink, rename, rm, symlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { BundleError } from './errors.js'

function packageName(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name
  } catch {
    return undefined
  }
}

/** Where `name` is installed as seen from `from` (node's lookup, plus a package naming itself). */
export function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (packageName(dir) === name) return realpathSync(dir)
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    if (dirname(dir) === dir) return undefined
  }
}

const toPath = (p: string) => (p.startsWith('file:') ? fileURLToPath(p) : p)

/**
 * Finds each package from the `from` places, then from the packages already found (tfjs's
 * own dependencies, like @tensorflow/tfjs-core, are visible only from tfjs under pnpm).
 */
export function locatePackages(names: readonly string[], from: readonly string[]): Map<string, string> {
  const roots = from.map(toPath)
  const found = new Map<string, string>()
  let progress = true
  while (progress) {
    progress = false
    for (const name of names) {
      if (found.has(name)) continue
      const dir = roots.map((r) => findPackageDir(name, r)).find((d) => d !== undefined)
      if (dir) {
        found.set(name, dir)
        roots.push(dir)
        progress = true
      }
    }
  }
  return found
}

async function linkTo(target: string, link: string): Promise<void> {
  if (
    await readlink(link).then(
      (t) => t === target,
      () => false,
    )
  )
    return
  await mkdir(dirname(link), { recursive: true })
  // A fresh link renamed over the old one: another fetch in this or another process never
  // sees the name missing.
  const temp = `${link}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await symlink(target, temp, 'dir')
  try {
    await rename(temp, link)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/** Makes `<dir>/node_modules/<pkg>` point at this process's copy of each external; BundleError if one is missing. */
export async function linkExternals(
  dir: string,
  externals: readonly string[],
  from: readonly string[],
  subject: string,
): Promise<void> {
  const found = locatePackages(externals, from)
  const missing = externals.filter((e) => !found.has(e))
  if (missing.length > 0) {
    throw new BundleError(
      subject,
      `imports ${missing.join(', ')}, which this node does not have (looked from ${from.map(toPath).join(', ')})`,
    )
  }
  for (const [name, target] of found) await linkTo(target, join(dir, 'node_modules', name))
}
