// evaluate, condition and register steps: what the registry knows of a version (its
// recorded evaluation as flat metrics), a quality gate over metrics and a champion, and the
// registry changes that make a version the one to serve (alias, approval).
import {
  applyModelsRequest,
  getModelVersion,
  parseModelRef,
  readRegistryRecord,
  resolveModelRef,
} from '@kiln/cluster-state'
import { compileExpression, type ModelVersionRecord } from '@kiln/protocol'
import type { PipelineDeps, StepExecutor } from './step-executor.js'

/** A model version as steps pass it on. */
export interface VersionRef {
  name: string
  version: number
}

const by = (runId: string) => `pipeline run ${runId}`

/**
 * A step's `model` as the version it names now: another step's output as it is, a written
 * NAME@VERSION or NAME@ALIAS looked up in the registry (so the cache key holds the version).
 */
export async function materializeModel(inputs: Record<string, unknown>, deps: PipelineDeps) {
  if (typeof inputs.model !== 'string') return inputs
  const record = await resolveModelRef(deps.layout, parseModelRef(inputs.model, 'model'))
  return { ...inputs, model: { name: record.model, version: record.version } }
}
const label = (m: VersionRef) => `${m.name}@${m.version}`

/** evaluate: the version's evaluation on its test split, as recorded when it was trained. */
export const evaluateStep: StepExecutor = {
  materialize: materializeModel,
  run: async (ctx) => {
    const model = ctx.inputs.model as VersionRef
    const record = await getModelVersion(ctx.deps.layout, model.name, model.version)
    return { outputs: { metrics: record.metrics ?? {}, model } }
  },
}

// The champion's version and metrics now; undefined while none is registered.
async function champion(deps: PipelineDeps, ref: unknown): Promise<ModelVersionRecord | undefined> {
  if (typeof ref !== 'string') return undefined
  try {
    return await resolveModelRef(deps.layout, parseModelRef(ref, 'champion'))
  } catch (err) {
    if ((err as { code?: string }).code === 'not_found') return undefined
    throw err
  }
}

/**
 * condition: `when` over the metrics, with `champion.X` the champion's metric X. Without a
 * champion, ifNoChampion: pass compares the candidate with itself (every champion term
 * holds as an equal), fail stops the pipeline.
 */
export const conditionStep: StepExecutor = {
  materialize: async (inputs, deps) => {
    const c = await champion(deps, inputs.champion)
    return {
      ...inputs,
      ...(c ? { championVersion: { name: c.model, version: c.version }, championMetrics: c.metrics ?? {} } : {}),
    }
  },
  run: async (ctx) => {
    const metrics = (ctx.inputs.metrics ?? {}) as Record<string, number>
    const champ = ctx.inputs.championMetrics as Record<string, number> | undefined
    const when = String(ctx.inputs.when)
    const usesChampion = /\bchampion\./.test(when)
    if (usesChampion && !champ && ctx.inputs.ifNoChampion === 'fail')
      return {
        outputs: { passed: false },
        stop: `no champion ${String(ctx.inputs.champion)} to compare with (ifNoChampion: fail)`,
      }
    const theirs = champ ?? metrics
    const expr = compileExpression(
      when,
      (name) => () => (name.startsWith('champion.') ? theirs[name.slice('champion.'.length)] : metrics[name]),
      `steps.${ctx.step}.when`,
    )
    const passed = expr.test(undefined)
    const values = expr.names
      .map((n) => {
        const v = n.startsWith('champion.') ? theirs[n.slice(9)] : metrics[n]
        return `${n} ${typeof v === 'number' ? Number(v.toPrecision(6)) : 'missing'}`
      })
      .join(', ')
    const against = ctx.inputs.championVersion
      ? ` (champion ${label(ctx.inputs.championVersion as VersionRef)})`
      : usesChampion
        ? ' (no champion yet)'
        : ''
    return {
      outputs: { passed },
      ...(passed ? {} : { stop: `${when} does not hold: ${values}${against}` }),
    }
  },
}

/** register: points `alias` at the version and approves it, when asked; the registry's own checks apply. */
export const registerStep: StepExecutor = {
  materialize: materializeModel,
  run: async (ctx) => {
    const model = ctx.inputs.model as VersionRef
    const layout = ctx.deps.layout
    // A resumed step may have done part of this already: each change is made only if needed.
    if (ctx.inputs.approve === true) {
      const state = (await readRegistryRecord(layout, model.name)).versions[String(model.version)]
      if (state?.decisions[0]?.status !== 'approved')
        await applyModelsRequest(layout, {
          v: 1,
          op: 'approve',
          model: model.name,
          version: model.version,
          by: by(ctx.runId),
          ...(ctx.inputs.reason ? { reason: String(ctx.inputs.reason) } : {}),
        })
    }
    if (typeof ctx.inputs.alias === 'string')
      await applyModelsRequest(layout, {
        v: 1,
        op: 'alias',
        model: model.name,
        alias: ctx.inputs.alias,
        version: model.version,
        by: by(ctx.runId),
      })
    return { outputs: { model } }
  },
}
