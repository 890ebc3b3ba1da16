// A script trial's process, started in its sandbox before its trial is known (the worker
// keeps one ready per free slot: warm-trial-processes.ts), so a trial does not wait while
// node loads tfjs, the native addon and Kiln. It gets a fresh folder of its own: `in/`
// (root's, read-only to it), where the worker links its trial's inputs once they are
// known, and `work/`, its empty working folder and HOME. It serves exactly one trial; then
// it is killed and its folder removed (trial-process.ts).
import { type ChildProcess, spawn } from 'node:child_process'
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FromProcess } from './process-messages.js'
import { trialCode } from './trial-code.js'
import { sandboxCommand, type SandboxPlan } from './trial-sandbox.js'

/** What a process is started for: a trial must need the same to use it. */
export interface ProcessShape {
  gpu: boolean
  /** resources.memoryMb: sizes the V8 heap and, under bwrap, the tmpfs folders. */
  memoryMb?: number
  /** The OS user it runs as (its slot's, when the worker is root). */
  user?: { uid: number; gid: number }
}

const DEFAULT_TMP_BYTES = 1024 * 1024 * 1024
const MAX_LINE = 16_000
// What the process printed before its trial took it, kept for that trial's log.
const MAX_EARLY_LINES = 200

type Line = { stream: 'stdout' | 'stderr'; line: string }

/** One started trial process, waiting for its task on its IPC channel. */
export class TrialProcess {
  /** Resolves true once its code is loaded, false if it ended first. */
  readonly ready: Promise<boolean>
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  /** The last lines it wrote to stderr (for a crash's message). */
  readonly stderrTail: string[] = []
  private readonly partial = new Map<string, string>()
  private readonly early: Line[] = []
  private sink: ((l: Line) => void) | undefined
  private messages: ((m: FromProcess) => void) | undefined
  private gone = false
  /** It said its code is loaded. */
  loaded = false

  private constructor(
    readonly child: ChildProcess,
    readonly shape: ProcessShape,
    readonly dir: string,
    readonly inDir: string,
  ) {
    this.exited = new Promise((ok) => {
      child.once('error', (err) => {
        this.text('stderr', `trial process did not start: ${err.message}\n`)
        ok({ code: null, signal: null })
      })
      child.once('close', (code, signal) => ok({ code, signal }))
    })
    void this.exited.then(() => {
      this.gone = true
      for (const stream of ['stdout', 'stderr'] as const) {
        this.text(stream, '', `pipe-${stream}`, true)
        this.text(stream, '', `ipc-${stream}`, true)
      }
    })
    let ready: (v: boolean) => void = () => undefined
    this.ready = new Promise((ok) => {
      ready = ok
    })
    void this.exited.then(() => ready(false))
    // Output as lines, per stream and source: the trial's console arrives over IPC (in order),
    // anything else (node's own crash report) on the pipes.
    for (const stream of ['stdout', 'stderr'] as const)
      child[stream]!.setEncoding('utf8').on('data', (chunk: string) => this.text(stream, chunk, `pipe-${stream}`))
    child.on('message', (m: FromProcess) => {
      if (m.type === 'ready') {
        this.loaded = true
        ready(true)
      } else if (m.type === 'output') this.text(m.stream, m.text, `ipc-${m.stream}`)
      else this.messages?.(m)
    })
  }

  /** Whether it still runs (it may have crashed while it waited). */
  get alive(): boolean {
    return !this.gone && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts a process of `shape` in `plan`'s sandbox. */
  static async start(plan: SandboxPlan, shape: ProcessShape): Promise<TrialProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-trial-'))
    const inDir = join(dir, 'in')
    const work = join(dir, 'work')
    await mkdir(inDir, { mode: 0o755 })
    await mkdir(work, { mode: 0o700 })
    if (shape.user) {
      // Its user may pass through the folder and own its working folder; not list the folder.
      await chmod(dir, 0o711)
      await chown(work, shape.user.uid, shape.user.gid)
    }
    const { code } = trialCode()
    const uid = shape.user?.uid ?? process.geteuid?.() ?? 0
    const tmpBytes = shape.memoryMb ? shape.memoryMb * 1024 * 1024 : DEFAULT_TMP_BYTES
    const nodeArgs = [...(shape.memoryMb ? [`--max-old-space-size=${shape.memoryMb}`] : []), ...code.args]
    const cmd = sandboxCommand(plan, process.execPath, nodeArgs, {
      inputs: [inDir],
      workDir: work,
      tmpBytes,
      gpu: shape.gpu,
      shared: code.shared.map((s) => ({ from: s.from, to: s.to(uid) })),
    })
    const child = spawn(cmd.command, cmd.args, {
      cwd: cmd.cwd,
      env: trialEnv(work, plan.mode === 'bwrap'),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      detached: true,
      ...(shape.user ? { uid: shape.user.uid, gid: shape.user.gid } : {}),
    })
    return new TrialProcess(child, shape, dir, inDir)
  }

  /** Hands its lines (those printed so far first) and its trial messages to the trial's runner. */
  attach(onLine: (l: Line) => void, onMessage: (m: FromProcess) => void): void {
    this.sink = onLine
    this.messages = onMessage
    for (const l of this.early.splice(0)) onLine(l)
  }

  /** Kills it and everything it started (its process group). */
  kill(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  /** Kills it, waits for it to end and removes its folder. */
  async dispose(): Promise<void> {
    this.kill()
    await this.exited
    await rm(this.dir, { recursive: true, force: true })
  }

  private text(stream: 'stdout' | 'stderr', text: string, key: string = stream, end = false): void {
    const lines = ((this.partial.get(key) ?? '') + text).split('\n')
    this.partial.set(key, end ? '' : lines.pop()!)
    for (const line of lines) {
      if (!line && end) continue
      if (stream === 'stderr') {
        this.stderrTail.push(line)
        if (this.stderrTail.length > 20) this.stderrTail.shift()
      }
      const l = { stream, line: line.slice(0, MAX_LINE) }
      if (this.sink) this.sink(l)
      else if (this.early.length < MAX_EARLY_LINES) this.early.push(l)
    }
  }
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
