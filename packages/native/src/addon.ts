// Loads build/Release/kiln.node exactly once per thread, when it is first used. KILN_NATIVE_PATH
// overrides the location (the GPU pack ships the addon beside a bundled entry).
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
let path: string | undefined
let loaded: NativeAddon | undefined

/** Path of the addon file (looked up on first use; throws saying how to build it when absent). */
export function addonPath(): string {
  path ??= findAddon()
  return path
}

// Opened on first use, not on import: a process that imports @kiln/native (or a package
// above it) only to read a constant or parse a spec never opens the addon.
function load(): NativeAddon {
  loaded ??= require(addonPath()) as NativeAddon
  return loaded
}

/** The raw addon: positional arguments, no defaults; use the typed wrappers instead. */
export const addon: NativeAddon = new Proxy({} as NativeAddon, {
  get: (_, key) => Reflect.get(load(), key),
  has: (_, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(load(), key)
    // A proxy may not report a property non-configurable that its (empty) target lacks.
    return d && { ...d, configurable: true }
  },
})
