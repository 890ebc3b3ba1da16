// Running a user's trial script: `export default async function (ctx) { ...; return model }`.
import { access } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as tf from '@tensorflow/tfjs'
import type { TrialContext } from './context.js'
import { TrialScriptError } from './errors.js'

/** What a trial script exports by default. */
// A trial that returns nothing is an objective function: its reports are its result (as in
// Optuna or Ray Tune function trainables), and there is no model to evaluate or save.
export type TrialFunction = (ctx: TrialContext) => Promise<tf.LayersModel | void> | tf.LayersModel | void

/** Where `script` (from the spec) lives: relative paths count from the spec file's directory. */
export function scriptPath(script: string, baseDir: string): string {
  return isAbsolute(script) ? script : resolve(baseDir, script)
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
    throw new TrialScriptError(path, `could not be imported: ${(err as Error).message}${hint}`, { cause: err })
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
    throw new TrialScriptError(path, `failed: ${(err as Error)?.message ?? String(err)}`, { cause: err })
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
