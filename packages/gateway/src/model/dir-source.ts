// `kiln gateway --models DIR`: DIR/<model>/<version>/ holds a model (model.json, shards,
// kiln-model.json; or gbdt.json, or ensemble.json and its members' files); a model folder
// directly under DIR/<model>/ is version 1. No NATS needed.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SUBJECT_TOKEN_PATTERN } from '@kiln/protocol'
import type { VersionSource } from './served-version.js'

const FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false
}

// A TF.js model, gradient-boosted trees or an ensemble: the file each kind is loaded by.
const MODEL_FILES = ['model.json', 'gbdt.json', 'ensemble.json']

async function isModel(dir: string): Promise<boolean> {
  for (const name of MODEL_FILES) if (await isFile(join(dir, name))) return true
  return false
}

function readDir(dir: string): () => Promise<Map<string, Uint8Array>> {
  return async () => {
    const files = new Map<string, Uint8Array>()
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile() && FILE.test(entry.name)) files.set(entry.name, await readFile(join(dir, entry.name)))
    }
    return files
  }
}

/** Every model version under `root` (folders that are not models are skipped). */
export async function scanModelDir(root: string): Promise<VersionSource[]> {
  const out: VersionSource[] = []
  for (const m of await readdir(root, { withFileTypes: true })) {
    if (!m.isDirectory() || !SUBJECT_TOKEN_PATTERN.test(m.name)) continue
    const modelDir = join(root, m.name)
    if (await isModel(modelDir)) {
      out.push({ model: m.name, version: 1, read: readDir(modelDir) })
      continue
    }
    for (const v of await readdir(modelDir, { withFileTypes: true })) {
      const version = Number(v.name)
      if (!v.isDirectory() || !/^[1-9]\d{0,8}$/.test(v.name)) continue
      const dir = join(modelDir, v.name)
      if (await isModel(dir)) out.push({ model: m.name, version, read: readDir(dir) })
    }
  }
  return out
}
