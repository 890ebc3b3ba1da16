import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { SpecError } from './errors.js'
import { applyOverrides, parseSpec, type SpecOverrides } from './spec.js'
import type { Spec } from './spec-schema.js'

/** A spec read from disk, with the directory its relative paths count from. */
export interface SpecFile {
  spec: Spec
  path: string
  baseDir: string
}

/** Reads and parses a spec file, then applies overrides (`--set`); SpecError on any problem. */
export async function readSpecFile(path: string, overrides: SpecOverrides = {}): Promise<SpecFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, expected a spec file'
          : (err as Error).message
    throw new SpecError(path, [{ field: '', message: problem }], { cause: err })
  }
  let spec = parseSpec(text, { filename: path })
  if (Object.keys(overrides).length > 0) spec = applyOverrides(spec, overrides, `${path} with --set`)
  return { spec, path: resolve(path), baseDir: dirname(resolve(path)) }
}
