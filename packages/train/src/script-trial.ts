// Running a user's trial script: `export default async function (ctx) { ...; return model }`.
import { access, readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type * as tf from '@tensorflow/tfjs'
import { bundleForThisMachine, readManifest } from '@kiln/bundle'
import type { TrialContext } from './context.js'
import { TrialScriptError } from './errors.js'
import { userFrames } from './user-frames.js'

/** What a trial script exports by default. */
// A trial that returns nothing is an objective function: its reports are its result (as in
// Optuna or Ray Tune function trainables), and there is no model to evaluate or save.
// biome-ignore lint/suspicious/noConfusingVoidType: a user's trial function may end without a return (void), not only return undefined
export type TrialFunction = (ctx: TrialContext) => Promise<tf.LayersModel | void> | tf.LayersModel | void

/** Where `script` (from the spec) lives: relative paths count from the spec file's directory. */
export function scriptPath(script: string, baseDir: string): string {
  return isAbsolute(script) ? script : resolve(baseDir, script)
}

// A bundle says so in its first line (a cluster trial runs `<cache>/bundles/<sha256>.mjs`).
async function manifestOf(path: string): Promise<{ entry: string } | undefined> {
  const head = (await readFile(path)).subarray(0, 4096)
  return head.indexOf('// kiln-bundle/') === 0 ? readManifest(head, path) : undefined
}

/** Where this machine keeps the bundles of scripts it runs (as a worker does): ~/.cache/kiln. */
function cacheDir(): string {
  return process.env.KILN_CACHE_DIR ?? join(homedir(), '.cache', 'kiln')
}

/** A loaded trial script: its function, the file node imported, and the name people know it by. */
export interface LoadedScript {
  run: TrialFunction
  file: string
  name: string
}

// What the script threw, with where in the user's own files (data.frames, data.at).
function scriptFailure(script: Pick<LoadedScript, 'file' | 'name'>, what: string, err: unknown): TrialScriptError {
  const frames = userFrames(err, script.file)
  const thrown = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)
  return new TrialScriptError(script.name, `${what}: ${thrown}`, {
    cause: err,
    data: { error: thrown, ...(frames.length > 0 ? { at: frames[0]!.replace(/^at (.* \()?|\)$/g, ''), frames } : {}) },
  })
}

/**
 * Imports a trial script and checks that it default-exports a function. A bundle (a cluster
 * trial) is imported as it is; a script of the user's (`kiln train`, TypeScript or
 * JavaScript) is bundled here first, exactly as `kiln submit` would.
 */
export async function loadTrialScript(path: string): Promise<LoadedScript> {
  const exists = await access(path).then(
    () => true,
    () => false,
  )
  if (!exists) throw new TrialScriptError(path, 'no such file (model.script is relative to the spec file)')
  const manifest = await manifestOf(path)
  const file = manifest ? path : await bundleForThisMachine(path, cacheDir(), [fileURLToPath(import.meta.url)])
  const name = manifest?.entry ?? path
  let mod: { default?: unknown }
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  } catch (err) {
    throw scriptFailure({ file, name }, 'could not be imported', err)
  }
  if (typeof mod.default !== 'function') {
    throw new TrialScriptError(
      name,
      `expected a default export \`async (ctx) => tf.LayersModel\`, got ${mod.default === undefined ? 'no default export' : typeof mod.default}`,
    )
  }
  return { run: mod.default as TrialFunction, file, name }
}

// Duck-typed rather than instanceof: a script that resolved its own copy of tfjs still
// returns a usable model.
function isLayersModel(value: unknown): value is tf.LayersModel {
  const m = value as Partial<tf.LayersModel> | null
  return (
    m !== null &&
    typeof m === 'object' &&
    typeof m.predict === 'function' &&
    typeof m.save === 'function' &&
    Array.isArray(m.outputs)
  )
}

/** Runs the script with the context and returns the model it trained (undefined: none). */
export async function runScriptTrial(ctx: TrialContext, path: string): Promise<tf.LayersModel | undefined> {
  const script = await loadTrialScript(path)
  let model: unknown
  try {
    model = await script.run(ctx)
  } catch (err) {
    throw scriptFailure(script, 'failed', err)
  }
  if (model === undefined) return undefined
  if (!isLayersModel(model)) {
    throw new TrialScriptError(
      script.name,
      `expected the default export to return a tf.LayersModel or nothing, got ${model === null ? 'null' : typeof model}`,
    )
  }
  return model
}
