// A script trial and everything it imports from the user's files (and npm packages they
// installed) as one ESM file, so a worker needs no copy of the user's project. TensorFlow.js
// and Kiln's own packages stay imports: the worker provides them, and the trial must use
// the worker's instances (its tfjs engine and backend), not copies.
import { access } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import type { BuildResult, Message, Plugin } from 'esbuild'
import { sha256Hex } from '@kiln/data'
import { BundleError } from './errors.js'
import { manifestLine, packageOf } from './manifest.js'

/** A bundled trial script: the bytes, their sha256 (the bundle's id) and what it was built from. */
export interface TrialBundle {
  bytes: Uint8Array
  id: string
  /** File name of the script, for messages. */
  entry: string
  /** Packages the worker must provide (sorted). */
  externals: string[]
}

/** Imports left to the worker: tfjs (and its parts) and Kiln. */
export const PROVIDED = /^@(tensorflow|kiln)\//

// CommonJS code pulled in from npm calls require(); an ESM file has none, so give it one.
const REQUIRE_SHIM =
  "import { createRequire as __kilnCreateRequire } from 'node:module';\nconst require = __kilnCreateRequire(import.meta.url);"

function providedPlugin(seen: Set<string>): Plugin {
  return {
    name: 'kiln-provided',
    setup(build) {
      build.onResolve({ filter: PROVIDED }, (args) => {
        seen.add(packageOf(args.path))
        return { path: args.path, external: true }
      })
    },
  }
}

function describe(m: Message): string {
  const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : ''
  return `${at}${m.text}`
}

// The manifest line goes above esbuild's output, so every generated line of the source map
// moves down one (a leading ";" in `mappings` is one empty generated line).
function withManifest(code: string, map: string, manifest: string): string {
  const parsed = JSON.parse(map) as { mappings: string }
  parsed.mappings = `;${parsed.mappings}`
  const inline = Buffer.from(JSON.stringify(parsed)).toString('base64')
  return `${manifest}${code}//# sourceMappingURL=data:application/json;base64,${inline}\n`
}

/**
 * Bundles a trial script (TypeScript or JavaScript) with esbuild: platform node, ESM, an
 * inline source map so stack traces name the user's files and lines. The same sources give
 * the same bytes, hence the same id, from any working directory.
 */
export async function bundleTrialScript(path: string): Promise<TrialBundle> {
  const file = resolve(path)
  if (
    !(await access(file).then(
      () => true,
      () => false,
    ))
  )
    throw new BundleError(file, 'no such file')
  const { build } = await import('esbuild')
  const externals = new Set<string>()
  const entry = basename(file)
  let result: BuildResult<{ write: false }>
  try {
    result = await build({
      entryPoints: [file],
      absWorkingDir: dirname(file),
      outfile: resolve(dirname(file), `${entry}.bundle.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: { js: REQUIRE_SHIM },
      sourcemap: 'external',
      sourcesContent: false,
      write: false,
      logLevel: 'silent',
      plugins: [providedPlugin(externals)],
    })
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors ?? []
    const detail = errors.length > 0 ? errors.slice(0, 5).map(describe).join('; ') : (err as Error).message
    throw new BundleError(file, `could not be bundled: ${detail}`, { cause: err })
  }
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.text
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text
  const sorted = [...externals].sort()
  const bytes = new TextEncoder().encode(withManifest(code, map, manifestLine({ entry, externals: sorted })))
  return { bytes, id: sha256Hex(bytes), entry, externals: sorted }
}
