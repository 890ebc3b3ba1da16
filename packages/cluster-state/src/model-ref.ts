// `NAME`, `NAME@3`, `NAME@latest`, `NAME@champion`: how people name a model version, and
// its resolution against the registry, with a did-you-mean for mistyped names and aliases.
import {
  AliasNameSchema,
  NotFoundError,
  ValidationError,
  didYouMean,
  subjectToken,
  type ModelVersionRecord,
} from '@kiln/protocol'
import type { Layout } from './ensure-layout.js'
import { getModelVersion, listModelVersions } from './model-registry.js'
import { readRegistryRecord } from './registry-records.js'

/** A parsed reference: a version number, an alias, or neither (the latest version). */
export interface ModelRef {
  model: string
  version?: number
  alias?: string
}

type RefLayout = Pick<Layout, 'kv' | 'objects'>

/** Parses `NAME[@VERSION|@ALIAS|@latest]`; `field` names the argument in errors. */
export function parseModelRef(text: string, field = 'model'): ModelRef {
  const at = text.indexOf('@')
  const model = at < 0 ? text : text.slice(0, at)
  subjectToken(model, field)
  if (at < 0) return { model }
  const tag = text.slice(at + 1)
  if (tag === 'latest') return { model }
  if (/^[0-9]+$/.test(tag)) {
    const version = Number(tag)
    if (!Number.isSafeInteger(version) || version < 1)
      throw new ValidationError(field, 'NAME@VERSION with a version >= 1', { got: JSON.stringify(text) })
    return { model, version }
  }
  if (!AliasNameSchema.safeParse(tag).success)
    throw new ValidationError(field, 'NAME, NAME@VERSION, NAME@latest or NAME@ALIAS (a-z 0-9 _ -)', {
      got: JSON.stringify(text),
    })
  return { model, alias: tag }
}

/** The ref as people write it. */
export function formatModelRef(ref: ModelRef): string {
  return ref.alias ? `${ref.model}@${ref.alias}` : ref.version ? `${ref.model}@${ref.version}` : ref.model
}

/** The registered model names. */
export async function modelNames(layout: RefLayout): Promise<string[]> {
  const names = new Set<string>()
  for await (const k of await layout.kv.modelVersions.keys('>')) names.add(k.slice(0, k.lastIndexOf('.')))
  return [...names].sort()
}

/** A NotFoundError for `kind` `id`, saying which of `candidates` was probably meant. */
export function notFoundWithHint(kind: string, id: string, candidates: readonly string[]): NotFoundError {
  const hint = didYouMean(id, candidates)
  const err = new NotFoundError(kind, id, { data: hint ? { suggestion: hint } : {} })
  if (hint) err.message += ` (did you mean "${hint}"?)`
  return err
}

/** The version record a ref names: NotFoundError (with a suggestion) for an unknown model, version or alias. */
export async function resolveModelRef(layout: RefLayout, ref: ModelRef): Promise<ModelVersionRecord> {
  if (ref.alias !== undefined && ref.version !== undefined)
    throw new ValidationError('alias', 'either a version or an alias, not both', { got: formatModelRef(ref) })
  const versions = await listModelVersions(layout, ref.model)
  if (versions.length === 0) throw notFoundWithHint('model', ref.model, await modelNames(layout))
  if (ref.alias !== undefined) {
    const { aliases } = await readRegistryRecord(layout, ref.model)
    const target = aliases[ref.alias]
    if (target === undefined) throw notFoundWithHint(`alias of model ${ref.model}`, ref.alias, Object.keys(aliases))
    return getModelVersion(layout, ref.model, target)
  }
  if (ref.version === undefined) {
    // The latest version whose files are still there: an archived one cannot be loaded.
    const { versions: states } = await readRegistryRecord(layout, ref.model)
    const live = versions.filter((v) => !states[String(v.version)]?.archived)
    const pool = live.length > 0 ? live : versions
    return pool[pool.length - 1]!
  }
  const found = versions.find((v) => v.version === ref.version)
  if (!found)
    throw new NotFoundError('model version', `${ref.model}@${ref.version}`, {
      data: { versions: versions.map((v) => v.version) },
    })
  return found
}
