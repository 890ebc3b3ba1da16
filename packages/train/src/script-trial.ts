// Running a user's trial script: `export default async function (ctx) { ...; return model }`.
import { access, readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as tf from '@tensorflow/tfjs'
import { readManifest } from '@kiln/bundle'
import type { TrialContext } from './context.js'
import { TrialScriptError } from './errors.js'
import { userFrames } from './user-frames.js'

/** What a trial script exports by default. */
// A trial that returns nothing is an objective function: its reports are its result (as in
// Optuna or Ray Tune function trainables), and there is no model to evaluate or save.
export type TrialFunction = (ctx: TrialContext) => Promise<tf.LayersModel | void> | tf.LayersModel | void

/** Where `script` (from the spec) lives: relative paths count from the spec file's directory. */
export function scriptPath(script: string, baseDir: string): string {
  return isAbsolute(script) ? script : resolve(baseDir, script)
}

// The name a person knows the script by: a bundle's entry file (a cluster trial runs
// `<cache>/bundles/<sha256>.mjs`, a name nobody wrote), else the path as given.
async function scriptName(path: string): Promise<string> {
  try {
    const head = (await readFile(path)).subarray(0, 4096)
    return head.indexOf('// kiln-bundle/') === 0 ? readManifest(head, path).entry : path
  } catch {
    return path
  }
}

// What the script threw, with where in the user's own files (data.frames, data.at).
async function scriptFailure(path: string, what: string, err: unknown): Promise<TrialScriptError> {
  const frames = userFrames(err, path)
  const thrown = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)
  return new TrialScriptError(await scriptName(path), `${what}: ${thrown}`, {
    cause: err,
    data: { error: thrown, ...(frames.length > 0 ? { at: frames[0]!.replace(/^at (.* \()?|\)$/g, ''), frames } : {}) },
  })
}

/** Imports a trial script and checks that it default-exports a function. */
export async function loadTrialScript(path: string): Promise<TrialFunction> {
  const exists = await access(path).then(
    () => true,
    () => false,
  )
  if (!exists) throw new TrialScriptError(path, 'no such file (model.script is relative to the spec file)')
  let mod: { default?: unknown }
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown }
  } catch (err) {
    const hint =
      path.endsWith('ts') && (err as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? ' (TypeScript trial scripts need tsx: run through `pnpm kiln` or node --import tsx)'
        : ''
    if (hint)
      throw new TrialScriptError(path, `could not be imported: ${(err as Error).message}${hint}`, { cause: err })
    throw await scriptFailure(path, 'could not be imported', err)
  }
  if (typeof mod.default !== 'function') {
    throw new TrialScriptError(
      path,
      `expected a default export \`async (ctx) => tf.LayersModel\`, got ${mod.default === undefined ? 'no default export' : typeof mod.default}`,
    )
  }
  return mod.default as TrialFunction
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
  const trial = await loadTrialScript(path)
  let model: unknown
  try {
    model = await trial(ctx)
  } catch (err) {
    throw await scriptFailure(path, 'failed', err)
  }
  if (model === undefined) return undefined
  if (!isLayersModel(model)) {
    throw new TrialScriptError(
      path,
      `expected the default export to return a tf.LayersModel or nothing, got ${model === null ? 'null' : typeof model}`,
    )
  }
  return model
}
