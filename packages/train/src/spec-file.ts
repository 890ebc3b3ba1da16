import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { SpecError } from './errors.js'
import type { z } from 'zod'
import { applyOverrides, documentValue, parseSpec, validateDocument, type SpecOverrides } from './spec.js'
import type { Spec } from './spec-schema.js'

/** A spec read from disk, with the directory its relative paths count from. */
export interface SpecFile {
  spec: Spec
  path: string
  baseDir: string
}

/** Reads and parses a spec file, then applies overrides (`--set`); SpecError on any problem. */
export async function readSpecFile(path: string, overrides: SpecOverrides = {}): Promise<SpecFile> {
  let spec = parseSpec(await readDocumentText(path), { filename: path })
  if (Object.keys(overrides).length > 0) spec = applyOverrides(spec, overrides, `${path} with --set`)
  return { spec, path: resolve(path), baseDir: dirname(resolve(path)) }
}

/** A document file's text; a SpecError naming the file when it cannot be read. */
export async function readDocumentText(path: string, what = 'job spec'): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? `is a directory, expected a ${what} file`
          : (err as Error).message
    throw new SpecError(path, [{ field: '', message: problem }], { cause: err, what })
  }
}

/** Reads a YAML/JSON document file and checks it against `schema` (every problem listed, as for specs). */
export async function readDocumentFile<S extends z.ZodTypeAny>(
  path: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  return validateDocument(schema, documentValue(await readDocumentText(path, what), path, what), path, what)
}
