// Which code a script trial's process runs. Compiled JavaScript (each package's dist/) is the
// rule: it starts without a TypeScript loader (tsx cost ~1 s of CPU per process) and gives
// the sandbox nothing of the worker's own to share. Only in development, when the worker
// runs from its TypeScript sources and dist/ is missing or older than them (an edit not yet
// built with `pnpm build:ts`), does the process run the sources through the worker's own
// loader flags, so a test never runs stale code.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = fileURLToPath(import.meta.url)
const FROM_SOURCE = here.endsWith('.ts')
// packages/worker/{src,dist}/ → packages/
const PACKAGES = resolve(here, '../../..')
const DIST_ENTRY = join(PACKAGES, 'worker', 'dist', 'trial-process-main.js')
const SRC_ENTRY = join(PACKAGES, 'worker', 'src', 'trial-process-main.ts')

/** How to start a trial process: node's arguments (flags, then the entry). */
export interface TrialCode {
  args: string[]
  /** The sources through tsx (development only): its compile cache is worth sharing. */
  fromSource: boolean
  /** Folders of the worker's to show the sandbox read-only (the tsx cache), as `to(uid)`. */
  shared: Array<{ from: string; to: (uid: number) => string }>
}

function newestIn(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Whether every package's dist/ was built after its sources last changed (tsc -b writes
 * tsconfig.tsbuildinfo on each build). Undefined when current, else the first stale package.
 */
export function staleBuild(packages = PACKAGES): string | undefined {
  if (!existsSync(DIST_ENTRY)) return 'worker (no dist/: pnpm build:ts)'
  for (const name of readdirSync(packages)) {
    const src = join(packages, name, 'src')
    const info = join(packages, name, 'tsconfig.tsbuildinfo')
    if (!existsSync(src)) continue
    if (!existsSync(info) || newestIn(src) > statSync(info).mtimeMs) return name
  }
  return undefined
}

// The worker's own node flags (its TypeScript loader), with module specifiers made
// absolute: the trial starts in an empty folder, where a bare `tsx` resolves to nothing.
function sourceFlags(): string[] {
  const out: string[] = []
  const req = createRequire(join(process.cwd(), 'noop.js'))
  const args = process.execArgv
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a.startsWith('--inspect') || a.startsWith('--max-old-space-size')) continue
    const m = /^(--import|--loader|--experimental-loader|--require|-r)(?:=(.*))?$/.exec(a)
    if (!m) {
      out.push(a)
      continue
    }
    const spec = m[2] ?? args[++i] ?? ''
    let resolved = spec
    if (!/^(file:|data:|\/)/.test(spec)) {
      try {
        resolved = pathToFileURL(req.resolve(spec)).href
      } catch {
        // left as it is: node reports it
      }
    }
    out.push(m[1]!, resolved)
  }
  return out
}

// tsx caches what it compiled in <tmp>/tsx-<euid>. The worker's cache is shown to the trial
// read-only (a trial cannot change what the next one runs), so no trial compiles Kiln again.
const tsxCache = (euid: number, tmp: string) => join(tmp, `tsx-${euid}`)

let chosen: { code: TrialCode; why?: string } | undefined

/** The code this worker's trial processes run (decided once per worker process). */
export function trialCode(): { code: TrialCode; why?: string } {
  if (chosen) return chosen
  const stale = FROM_SOURCE ? staleBuild() : undefined
  if (!stale) {
    chosen = { code: { args: [DIST_ENTRY], fromSource: false, shared: [] } }
    return chosen
  }
  const euid = process.geteuid?.() ?? 0
  chosen = {
    code: {
      args: [...sourceFlags(), SRC_ENTRY],
      fromSource: true,
      shared: [{ from: tsxCache(euid, tmpdir()), to: (uid) => tsxCache(uid, '/tmp') }],
    },
    why: `dist/ is older than the sources of ${stale}`,
  }
  return chosen
}

/**
 * Loads what a trial process loads once, unsandboxed and without a task (trusted code
 * only), so the compile cache the sandboxes read holds it. Only the sources need it;
 * resolves at once for compiled code.
 */
export function warmTrialCode(): Promise<void> {
  const { code } = trialCode()
  if (!code.fromSource) return Promise.resolve()
  return new Promise((done) => {
    const child = spawn(process.execPath, [...code.args, '--warm'], { stdio: 'ignore', cwd: dirname(SRC_ENTRY) })
    child.on('error', () => done())
    child.on('exit', () => done())
    child.unref()
  })
}
