// A trial script run on this machine (`kiln train`) goes through the same bundle as a cluster
// trial: TypeScript needs no loader at run time (the kiln command is compiled JavaScript), the
// script sees the same module layout as on a worker, and its stack maps back to the user's
// files the same way.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { bundleTrialScript } from './bundle-script.js'
import { linkExternals } from './link-externals.js'

/**
 * Bundles the script at `path` into `<cacheDir>/bundles/<sha256>.mjs` (kept: the same
 * sources give the same file) with its tfjs and Kiln imports linked to the packages seen from
 * `resolveFrom`; returns the file to import.
 */
export async function bundleForThisMachine(
  path: string,
  cacheDir: string,
  resolveFrom: readonly string[],
): Promise<string> {
  const bundle = await bundleTrialScript(path)
  const file = resolve(cacheDir, 'bundles', `${bundle.id}.mjs`)
  const same = await readFile(file).then(
    (b) => Buffer.compare(b, bundle.bytes) === 0,
    () => false,
  )
  if (!same) {
    await mkdir(dirname(file), { recursive: true })
    const temp = join(dirname(file), `.${bundle.id}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      await writeFile(temp, bundle.bytes)
      await rename(temp, file)
    } finally {
      await rm(temp, { force: true })
    }
  }
  await linkExternals(dirname(file), bundle.externals, resolveFrom, path)
  return file
}
