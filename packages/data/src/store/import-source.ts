// `kiln data import SPEC`: where the data comes from and what to call it by default.
import { isAbsolute, resolve } from 'node:path'
import { ValidationError } from '@kiln/protocol'
import { nameFromPath } from '../dataset-name.js'
import { registeredDatasets } from '../registry.js'

/** A dataset spec ready to load from anywhere, and the store name it gets unless told otherwise. */
export interface ImportSource {
  /** The spec with relative paths made absolute (registered names unchanged). */
  location: string
  defaultName: string
}

// Store names are subject tokens; file names often have dots.
function tokenOf(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 128)
}

/**
 * Resolves the paths of a dataset spec (resolveDataset's forms: "a,b", "x.csv#label=y",
 * a folder, a file) against baseDir, and names it after its first file or folder.
 */
export function importSource(spec: string, baseDir: string): ImportSource {
  if (typeof spec !== 'string' || spec.trim() === '')
    throw new ValidationError('dataset', 'a registered dataset name or a path')
  if (registeredDatasets().includes(spec)) return { location: spec, defaultName: tokenOf(spec) }
  const parts = spec.split(',').map((part) => {
    const hash = part.indexOf('#')
    const path = (hash < 0 ? part : part.slice(0, hash)).trim()
    return { path: isAbsolute(path) ? path : resolve(baseDir, path), fragment: hash < 0 ? '' : part.slice(hash) }
  })
  const location = parts.map((p) => p.path + p.fragment).join(',')
  return { location, defaultName: tokenOf(nameFromPath(parts[0]!.path.replace(/\/+$/, ''))) }
}
