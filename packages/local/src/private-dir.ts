import { chmodSync, mkdirSync } from 'node:fs'

/** Creates `dir` (and parents) if needed and makes it owner-only (0700), even if it existed. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}
