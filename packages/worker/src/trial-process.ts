// The agent's side of a script trial's own process: stages its inputs where its sandbox can
// read them, starts it (trial-sandbox.ts) with a scrubbed environment, bridges the trial's
// messages to the agent, runs its collective operations, turns what it prints into log
// lines, and kills it when it goes over its memory or time limit (spec `resources`).
import { spawn } from 'node:child_process'
import { chmod, chown, copyFile, link, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { MessagePort } from 'node:worker_threads'
import { linkExternals, readManifest } from '@kiln/bundle'
import { fromWire, KilnError, ErrorCode } from '@kiln/protocol'
import type { Collective } from '@kiln/train'
import { relayCollective } from './ipc-collective.js'
import type { FromProcess, ToProcess } from './process-messages.js'
import { processTreeRss } from './process-tree-rss.js'
import type { TrialOutcome, TrialTask } from './thread-messages.js'
import { sandboxCommand, type SandboxPlan } from './trial-sandbox.js'
import { TrialLimit, TrialLimitError } from './trial-limit-error.js'

export interface TrialProcessOptions {
  task: TrialTask
  sandbox: SandboxPlan
  /** From the spec's resources: resident memory (MB) and wall time (s) the process may use. */
  memoryMb?: number
  timeoutS?: number
  gpu: boolean
  /** Aborting kills the process at once (the graceful stop goes through the port). */
  signal: AbortSignal
  /** Each line the trial prints. */
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void
  /** The trial's ring, when it has ranks: its collective operations run here. */
  collective?: Promise<Collective | undefined>
}

const here = fileURLToPath(import.meta.url)
const ENTRY = join(here, '..', `trial-process-main${here.endsWith('.ts') ? '.ts' : '.js'}`)
const DEFAULT_TMP_BYTES = 1024 * 1024 * 1024
const POLL_MS = 200
const MAX_LINE = 16_000

// The agent's own node flags (the TypeScript loader in development), with module specifiers
// made absolute: the trial starts in an empty folder, where a bare `tsx` resolves to nothing.
function childNodeArgs(memoryMb: number | undefined): string[] {
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
  if (memoryMb) out.push(`--max-old-space-size=${memoryMb}`)
  return [...out, ENTRY]
}

// tsx (the TypeScript loader Kiln runs under from its sources) caches what it compiled in
// <tmp>/tsx-<euid>. The worker's cache is shown to the trial read-only (a trial cannot
// change what the next one runs), so a trial does not compile Kiln again.
function tsxCache(euid: number, tmp: string): string {
  return join(tmp, `tsx-${euid}`)
}

/**
 * Loads what a trial process loads once, unsandboxed and without a task (trusted code
 * only), so the compile cache the sandboxes read holds it before the first trial.
 */
export function warmTrialCode(): void {
  const child = spawn(process.execPath, [...childNodeArgs(undefined), '--warm'], { stdio: 'ignore', detached: true })
  child.on('error', () => undefined)
  child.unref()
}

// Inputs the sandboxed user can read: hard links (or copies) of the cached files in a
// root-owned folder, and the bundle's node_modules links to Kiln's own packages.
async function stage(
  task: TrialTask,
  plan: SandboxPlan,
): Promise<{ dir: string; inputs: string[]; work: string; task: TrialTask }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-trial-'))
  const inDir = join(dir, 'in')
  const work = join(dir, 'work')
  await mkdir(inDir)
  await mkdir(work, { mode: 0o700 })
  const user = plan.uid !== undefined && plan.gid !== undefined ? plan : undefined
  if (user) {
    await chmod(dir, 0o711)
    await chown(work, user.uid!, user.gid!)
  }
  const put = async (from: string, name: string) => {
    const to = join(inDir, name)
    await link(from, to).catch(() => copyFile(from, to))
    await chmod(to, 0o644)
    return to
  }
  const staged: TrialTask = { ...task }
  if (task.datasetFile) staged.datasetFile = await put(task.datasetFile, basename(task.datasetFile))
  if (task.scriptFile) {
    staged.scriptFile = await put(task.scriptFile, basename(task.scriptFile))
    const { externals } = readManifest(await readFile(staged.scriptFile), 'trial bundle')
    await linkExternals(inDir, externals, [fileURLToPath(import.meta.resolve('@kiln/train'))], 'trial bundle')
  }
  return { dir, inputs: [inDir], work, task: staged }
}

// Nothing of the agent's environment (credentials, KILN_NATS_*, tokens) reaches the trial.
function trialEnv(work: string, bwrap: boolean): NodeJS.ProcessEnv {
  const keep = ['CUDA_VISIBLE_DEVICES', 'KILN_THREADS', 'KILN_NATIVE_PATH', 'LANG']
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: work,
    TMPDIR: bwrap ? '/tmp' : work,
    ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
  }
}

/** Runs `o.task` in its own sandboxed process; resolves with its outcome. */
export async function runTrialProcess(o: TrialProcessOptions): Promise<TrialOutcome> {
  const port = o.task.port as MessagePort
  const staged = await stage(o.task, o.sandbox)
  const tmpBytes = o.memoryMb ? o.memoryMb * 1024 * 1024 : DEFAULT_TMP_BYTES
  const cmd = sandboxCommand(o.sandbox, process.execPath, childNodeArgs(o.memoryMb), {
    inputs: staged.inputs,
    workDir: staged.work,
    tmpBytes,
    gpu: o.gpu,
    shared: [
      {
        from: tsxCache(process.geteuid?.() ?? 0, tmpdir()),
        to: tsxCache(o.sandbox.uid ?? process.geteuid?.() ?? 0, '/tmp'),
      },
    ],
  })
  const child = spawn(cmd.command, cmd.args, {
    cwd: cmd.cwd,
    env: trialEnv(staged.work, o.sandbox.mode === 'bwrap'),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    detached: true,
    ...(cmd.uid !== undefined ? { uid: cmd.uid, gid: cmd.gid } : {}),
  })
  let killedFor: KilnError | undefined
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  // Output as lines, per stream and source: the trial's console arrives over IPC (in order),
  // anything else (node's own crash report) on the pipes.
  const stderrTail: string[] = []
  const partial = new Map<string, string>()
  const take = (key: string, stream: 'stdout' | 'stderr', text: string, end = false) => {
    const lines = ((partial.get(key) ?? '') + text).split('\n')
    partial.set(key, end ? '' : lines.pop()!)
    for (const line of lines) if (line || !end) emit(stream, line)
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => take(`pipe-${stream}`, stream, chunk))
    child[stream]!.on('end', () => take(`pipe-${stream}`, stream, '', true))
  }
  function emit(stream: 'stdout' | 'stderr', line: string) {
    if (stream === 'stderr') {
      stderrTail.push(line)
      if (stderrTail.length > 20) stderrTail.shift()
    }
    o.onOutput(stream, line.slice(0, MAX_LINE))
  }

  const onAbort = () => kill()
  o.signal.addEventListener('abort', onAbort, { once: true })
  const timer = o.timeoutS
    ? setTimeout(() => {
        killedFor = new TrialLimitError(
          TrialLimit.time,
          `killed: time limit of ${o.timeoutS} s (resources.timeout) exceeded`,
        )
        kill()
      }, o.timeoutS * 1000)
    : undefined
  const poll = o.memoryMb
    ? setInterval(() => {
        const rss = child.pid ? processTreeRss(child.pid) : 0
        if (rss > o.memoryMb! * 1024 * 1024) {
          killedFor = new TrialLimitError(
            TrialLimit.memory,
            `killed: memory limit of ${o.memoryMb} MB (resources.memoryMb) exceeded (resident ${Math.round(rss / 1048576)} MB)`,
          )
          kill()
        }
      }, POLL_MS)
    : undefined

  // Trial → agent messages pass through, but for collectives (run here) and the ending.
  const forward = (m: ToProcess) => child.connected && child.send(m)
  port.on('message', forward)
  let ended: { outcome: TrialOutcome } | { error: KilnError } | undefined
  child.on('message', (m: FromProcess) => {
    if (m.type === 'output') take(`ipc-${m.stream}`, m.stream, m.text)
    else if (m.type === 'outcome') ended = { outcome: m.outcome }
    else if (m.type === 'failed') ended = { error: fromWire(m.error) }
    else if (m.type === 'collective') {
      void (async () => {
        const c = await o.collective
        const done = c
          ? await relayCollective(c, m)
          : { id: m.id, error: { name: 'KilnError', code: ErrorCode.internal, message: 'this trial has no ring' } }
        forward({ type: 'collective-done', ...done })
      })()
    } else port.postMessage(m, m.type === 'checkpoint' ? [m.bytes.buffer as ArrayBuffer] : [])
  })
  child.send({ type: 'task', task: { ...staged.task, port: undefined } as Omit<TrialTask, 'port'> })

  try {
    const exit = await new Promise<{ code: number | null; signal: string | null }>((ok, fail) => {
      child.once('error', fail)
      child.once('close', (code, signal) => ok({ code, signal }))
    })
    for (const stream of ['stdout', 'stderr'] as const) take(`ipc-${stream}`, stream, '', true)
    if (killedFor) throw killedFor
    if (ended && 'outcome' in ended) return ended.outcome
    if (ended) throw ended.error
    if (o.memoryMb && stderrTail.some((l) => l.includes('JavaScript heap out of memory')))
      throw new TrialLimitError(
        TrialLimit.memory,
        `killed: memory limit of ${o.memoryMb} MB (resources.memoryMb) exceeded (JavaScript heap)`,
      )
    if (o.signal.aborted) throw new KilnError(ErrorCode.cancelled, 'trial process stopped')
    throw new KilnError(
      ErrorCode.internal,
      `trial process ended (${exit.signal ?? `exit code ${exit.code}`}) without a result: ${stderrTail.slice(-5).join(' | ').slice(0, 2000)}`,
    )
  } finally {
    if (timer) clearTimeout(timer)
    if (poll) clearInterval(poll)
    o.signal.removeEventListener('abort', onAbort)
    port.off('message', forward)
    kill()
    await rm(staged.dir, { recursive: true, force: true })
  }
}
