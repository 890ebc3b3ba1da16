// Loads build/Release/kiln.node exactly once per thread. KILN_NATIVE_PATH overrides the
// location (the GPU pack ships the addon beside a bundled entry).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NativeAddon } from './types.js'

function findAddon(): string {
  const override = process.env.KILN_NATIVE_PATH
  if (override) return resolve(override)
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'build', 'Release', 'kiln.node')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(
    'kiln native addon not found (build/Release/kiln.node); run `npm run setup` or `pnpm build:native`, ' +
      'or set KILN_NATIVE_PATH',
  )
}

const require = createRequire(import.meta.url)

/** Path of the loaded addon file. */
export const addonPath: string = findAddon()

/** The raw addon: positional arguments, no defaults; use the typed wrappers instead. */
export const addon: NativeAddon = require(addonPath) as NativeAddon
