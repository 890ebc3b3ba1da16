// kiln-model.json read from a model's files (a stored model, an ensemble's member): untrusted
// input, so it is parsed and checked before anything relies on it.
import { ModelFormatError } from './errors.js'
import { metadataProblem, type KilnModelMetadata } from './metadata.js'
import { METADATA_JSON } from './model-files.js'

/** A model's kiln-model.json from its files, checked; undefined when it has none. */
export function metadataOfFiles(files: ReadonlyMap<string, Uint8Array>, where: string): KilnModelMetadata | undefined {
  const bytes = files.get(METADATA_JSON)
  if (!bytes) return undefined
  let meta: unknown
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new ModelFormatError(`${where}/${METADATA_JSON}`, `not valid JSON: ${(err as Error).message}`)
  }
  const problem = metadataProblem(meta)
  if (problem) throw new ModelFormatError(`${where}/${METADATA_JSON}`, problem)
  return meta as KilnModelMetadata
}
