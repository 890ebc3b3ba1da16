// Where in the user's own files a trial script failed. A cluster trial runs a bundle (one
// file under the node's cache, with an inline source map): its stack frames are mapped back
// to the files it was built from, relative to the script's folder (`helper.ts:3:9`), which
// is what the user can open. Frames in Kiln, tfjs, node or bundled npm packages are left out.
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { dirname, isAbsolute, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** How many of the user's frames a failure keeps: enough to see the call path, short enough to print. */
export const MAX_USER_FRAMES = 5

// `    at fn (file:///x.mjs:7:9)`, `    at file:///x.mjs:7:9`, `    at async fn (/x.ts:3:1)`
const FRAME = /^\s*at (?:(.+?) \()?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?\s*$/
const INLINE_MAP = '//# sourceMappingURL=data:application/json;base64,'

const maps = new Map<string, SourceMap | null>()

function inlineMap(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | null = null
    try {
      const text = readFileSync(file, 'utf8')
      const at = text.lastIndexOf(INLINE_MAP)
      if (at >= 0) {
        const b64 = text.slice(at + INLINE_MAP.length).trim()
        map = new SourceMap(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')))
      }
    } catch {
      map = null // no map, or not readable: frames stay unmapped (and so are dropped)
    }
    maps.set(file, map)
  }
  return maps.get(file) ?? undefined
}

function own(path: string, root: string): string | undefined {
  const rel = relative(root, path)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined
  if (rel.split(sep).includes('node_modules')) return undefined
  return rel
}

/**
 * The frames of `err`'s stack that lie in the user's files, as `at fn (file:line:col)` with
 * paths relative to the script's folder; `script` is the file that was imported (a bundle
 * or the user's script itself).
 */
export function userFrames(err: unknown, script: string, max = MAX_USER_FRAMES): string[] {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : ''
  const root = dirname(script)
  const out: string[] = []
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line)
    if (!m) continue
    const file = m[2]!.startsWith('file://') ? fileURLToPath(m[2]!) : m[2]!
    const fn = m[1]?.replace(/^(async )?(Module|Object)\./, '$1')
    let where: string | undefined
    const map = file === script ? inlineMap(file) : undefined
    if (map) {
      const entry = map.findEntry(Number(m[3]) - 1, Number(m[4]) - 1) as Partial<{
        originalSource: string
        originalLine: number
        originalColumn: number
      }>
      const source = entry.originalSource
      if (source !== undefined && !source.split('/').includes('node_modules'))
        where = `${source.replace(/^file:\/\//, '')}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`
    } else {
      const rel = own(file, root)
      if (rel !== undefined) where = `${rel}:${m[3]}:${m[4]}`
    }
    if (where === undefined) continue
    out.push(fn ? `at ${fn} (${where})` : `at ${where}`)
    if (out.length >= max) break
  }
  return out
}
