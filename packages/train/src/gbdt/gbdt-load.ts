// Loading a saved gbdt model directory (gbdt.json + kiln-model.json): what `kiln` tools and
// the gateway call to serve one. parseGbdtModel does the same from bytes (a registry's files).
import { readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { NotFoundError } from '@kiln/protocol'
import { ModelFormatError } from '../errors.js'
import { readMetadata } from '../load.js'
import type { KilnModelMetadata } from '../metadata.js'
import { GBDT_JSON, type GbdtModel, parseGbdtModel } from './gbdt-model.js'

export interface LoadedGbdtModel {
  model: GbdtModel
  /** kiln-model.json; undefined when the directory has none. */
  metadata: KilnModelMetadata | undefined
}

/** Whether a model's files (names) are a gbdt model's rather than a TF.js model's. */
export function isGbdtFiles(names: Iterable<string>): boolean {
  for (const name of names) if (name === GBDT_JSON) return true
  return false
}

/** Loads a gbdt model directory; ModelFormatError for a missing or malformed gbdt.json. */
export async function loadGbdtModel(dir: string): Promise<LoadedGbdtModel> {
  const path = resolve(dir)
  const info = await stat(path).catch(() => null)
  if (info === null) throw new NotFoundError('model directory', dir)
  if (!info.isDirectory()) throw new ModelFormatError(dir, 'expected a model directory, got a file')
  const file = join(path, GBDT_JSON)
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ModelFormatError(dir, `no ${GBDT_JSON}: expected a gbdt model directory`, { cause: err })
  })
  return { model: parseGbdtModel(bytes, file), metadata: await readMetadata(path) }
}
