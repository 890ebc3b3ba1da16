// The agent's side of a script trial running in its own process (started, often ahead of
// time, by trial-process-start.ts): stages the trial's inputs where its sandbox can read
// them, hands it its task, bridges the trial's messages to the agent, runs its collective
// operations, turns what it prints into log lines, kills it when it goes over its memory or
// time limit (spec `resources`), and disposes of it when the trial ends.
import { chmod, copyFile, link, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MessagePort } from 'node:worker_threads'
import { linkExternals, readManifest } from '@kiln/bundle'
import { fromWire, KilnError, ErrorCode } from '@kiln/protocol'
import type { Collective } from '@kiln/train'
import { relayCollective } from './ipc-collective.js'
import type { FromProcess, ProcessTask, ToProcess } from './process-messages.js'
import { processTreeRss } from './process-tree-rss.js'
import type { TrialOutcome, TrialTask } from './thread-messages.js'
import type { TrialProcess } from './trial-process-start.js'
import { TrialLimit, TrialLimitError } from './trial-limit-error.js'

export interface TrialProcessOptions {
  task: TrialTask
  /** The started process this trial runs in (a pre-started one, or one started for it). */
  process: TrialProcess
  /** From the spec's resources: resident memory (MB) and wall time (s) the process may use. */
  memoryMb?: number
  timeoutS?: number
  /** Aborting kills the process at once (the graceful stop goes through the port). */
  signal: AbortSignal
  /** Each line the trial prints. */
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void
  /** The trial's ring, when it has ranks: its collective operations run here. */
  collective?: Promise<Collective | undefined>
}

const POLL_MS = 200

// The trial's inputs, where its process can read them: hard links (or copies) of the cached
// files in the process's root-owned in/ folder, and the bundle's node_modules links to
// Kiln's own packages. The task names them at those paths.
async function stage(task: TrialTask, inDir: string): Promise<TrialTask> {
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
  return staged
}

// What the process is told: its place in the ring, never the node's connection to it (the
// node's credential); the agent runs the ring for it.
function processTask(task: TrialTask): ProcessTask {
  const { port: _port, ring, ...rest } = task
  return { ...rest, ...(ring ? { ring: { rank: ring.rank, worldSize: ring.worldSize } } : {}) }
}

/** Runs `o.task` in its own sandboxed process `o.process`; resolves with its outcome. The process is disposed of. */
export async function runTrialProcess(o: TrialProcessOptions): Promise<TrialOutcome> {
  const port = o.task.port as MessagePort
  const proc = o.process
  const child = proc.child
  let killedFor: KilnError | undefined
  const kill = () => proc.kill()
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
  proc.attach(
    ({ stream, line }) => o.onOutput(stream, line),
    (m: FromProcess) => {
      if (m.type === 'outcome') ended = { outcome: m.outcome }
      else if (m.type === 'failed') ended = { error: fromWire(m.error) }
      else if (m.type === 'collective') {
        void (async () => {
          const c = await o.collective
          const done = c
            ? await relayCollective(c, m)
            : { id: m.id, error: { name: 'KilnError', code: ErrorCode.internal, message: 'this trial has no ring' } }
          forward({ type: 'collective-done', ...done })
        })()
      } else if (m.type !== 'ready' && m.type !== 'output')
        port.postMessage(m, m.type === 'checkpoint' ? [m.bytes.buffer as ArrayBuffer] : [])
    },
  )
  try {
    // A process started for this trial may still be loading: its task goes once it listens.
    const [staged, loaded] = await Promise.all([stage(o.task, proc.inDir), proc.ready])
    if (loaded && child.connected) child.send({ type: 'task', task: processTask(staged) })
    const exit = await proc.exited
    if (killedFor) throw killedFor
    if (ended && 'outcome' in ended) return ended.outcome
    if (ended) throw ended.error
    if (o.memoryMb && proc.stderrTail.some((l) => l.includes('JavaScript heap out of memory')))
      throw new TrialLimitError(
        TrialLimit.memory,
        `killed: memory limit of ${o.memoryMb} MB (resources.memoryMb) exceeded (JavaScript heap)`,
      )
    if (o.signal.aborted) throw new KilnError(ErrorCode.cancelled, 'trial process stopped')
    throw new KilnError(
      ErrorCode.internal,
      `trial process ended (${exit.signal ?? `exit code ${exit.code}`}) without a result: ${proc.stderrTail.slice(-5).join(' | ').slice(0, 2000)}`,
    )
  } finally {
    if (timer) clearTimeout(timer)
    if (poll) clearInterval(poll)
    o.signal.removeEventListener('abort', onAbort)
    port.off('message', forward)
    await proc.dispose()
  }
}
