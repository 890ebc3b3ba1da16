// API keys for `kiln gateway` and `kiln deploy`: from --api-key (visible to anyone who can
// list processes, so for trying things out), from --api-key-file FILE (one key per line, #
// comments) or from an environment variable (keys separated by commas or newlines).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { UsageError } from './usage-error.js'

const KEY = /^[\x21-\x7e]{8,512}$/

function parseKeys(text: string, where: string, split: RegExp): string[] {
  const keys = text
    .split(split)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  keys.forEach((k, i) => {
    // The key itself is never printed: only where it was and what was wrong.
    if (!KEY.test(k)) throw new UsageError(`${where}: key ${i + 1}: expected 8-512 printable characters without spaces`)
  })
  return keys
}

/** Every key given by flag, file and environment variable `envName`; undefined when none. */
export function collectApiKeys(o: {
  flags?: string[]
  files?: string[]
  env: NodeJS.ProcessEnv
  envName: string
  cwd: string
}): string[] | undefined {
  const keys = [...(o.flags ?? [])]
  for (const file of o.files ?? []) {
    let text: string
    try {
      text = readFileSync(resolve(o.cwd, file), 'utf8')
    } catch (err) {
      throw new UsageError(`--api-key-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    keys.push(...parseKeys(text, `--api-key-file ${file}`, /\r?\n/))
  }
  const fromEnv = o.env[o.envName]
  if (fromEnv) keys.push(...parseKeys(fromEnv, `$${o.envName}`, /[,\n]/))
  return keys.length ? [...new Set(keys)] : undefined
}
