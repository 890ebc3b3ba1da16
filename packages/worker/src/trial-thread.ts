// What runs a trial: trainLocal, with everything that needs NATS sent to the agent over the
// task's port. The default export is the piscina entry (builtin trials, in a worker thread,
// so the agent's event loop never waits on training); a script trial's sandboxed process
// calls runTrial with its IPC channel as the port and its collective relayed by the agent.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadDatasetFile } from '@kiln/data'
import { setThreads } from '@kiln/native'
import { toWire } from '@kiln/protocol'
import { applyOverrides, readModelDir, trainLocal, validateSpec, type TrainMetrics } from '@kiln/train'
import { evaluationMetrics } from '@kiln/train/evaluation'
import type { FromThread, ToThread, TrialOutcome, TrialPort, TrialTask } from './thread-messages.js'
import { joinRing } from './trial-ring.js'
import { runTransformShard } from './transform-thread.js'

/** How a trial reaches its data-parallel peers: a ring of its own, or one the agent relays. */
export type JoinCollective = typeof joinRing

/** Flattens a run's metrics for the trial record: last epoch's, `test_*` (every headline figure of the evaluation), and the objective. */
export function flatMetrics(m: TrainMetrics): Record<string, number> {
  const out: Record<string, number> = {}
  const last = m.epochs[m.epochs.length - 1]
  if (last) for (const [k, v] of Object.entries(last)) if (k !== 'epoch' && Number.isFinite(v)) out[k] = v
  if (m.test) {
    if (m.test.accuracy !== undefined) out.test_accuracy = m.test.accuracy
    if (m.test.loss !== undefined) out.test_loss = m.test.loss
    if (m.test.evaluation) Object.assign(out, evaluationMetrics(m.test.evaluation))
  }
  if (m.objective.best !== undefined) out.objective = m.objective.best
  out.epochs = m.epochs.length
  return out
}

/** The piscina task: a thrown error reaches the agent in its wire form (see below). */
export default async function runTrialThread(task: TrialTask): Promise<TrialOutcome> {
  try {
    if (task.shard) return await runTransformShard(task)
    return await runTrial(task, joinRing)
  } catch (err) {
    // A thrown error reaches the agent by structured clone, which keeps only name, message
    // and stack; its wire form also keeps the code and data (a trial script's own frames).
    throw toWire(err)
  }
}

/** Runs `task` to its outcome, its collective (when it has ranks) from `join`. */
export async function runTrial(task: TrialTask, joinCollective: JoinCollective): Promise<TrialOutcome> {
  const port = task.port as TrialPort
  const controller = new AbortController()
  let handBack = false
  let next = 0
  const waiting = new Map<number, (m: ToThread) => void>()
  port.on('message', (m: ToThread) => {
    if (m.type === 'abort') {
      handBack = m.reason === 'drain'
      controller.abort()
      return
    }
    waiting.get(m.id)?.(m)
    waiting.delete(m.id)
  })
  const ask = (m: FromThread & { id: number }) =>
    new Promise<ToThread>((ok) => {
      waiting.set(m.id, ok)
      port.postMessage(m, m.type === 'checkpoint' ? [m.bytes.buffer as ArrayBuffer] : [])
    })

  setThreads(task.threads)
  let spec = validateSpec(task.spec, `trial ${task.trialId}`)
  if (task.params) spec = applyOverrides(spec, task.params, `trial ${task.trialId} params`)
  if (task.scriptFile && 'script' in spec.model) spec = { ...spec, model: { ...spec.model, script: task.scriptFile } }
  const outDir = join(await mkdtemp(join(tmpdir(), 'kiln-trial-')), 'model')
  const ring = await joinCollective(task, spec, controller.signal)
  // Only rank 0 reports and checkpoints for a data-parallel trial.
  const leader = (task.ring?.rank ?? 0) === 0
  try {
    const result = await trainLocal(spec, {
      outDir,
      signal: controller.signal,
      log: (record) => port.postMessage({ type: 'log', record } satisfies FromThread),
      narrate: true,
      onEpoch: (e) => port.postMessage({ type: 'epoch', epoch: e.epoch } satisfies FromThread),
      decide: async (report) => {
        const answer = await ask({ type: 'report', id: ++next, epoch: report.step, metrics: report.metrics })
        return answer.type === 'decision' ? answer.decision : 'continue'
      },
      ...(ring ? { collective: ring.collective } : {}),
      ...(leader
        ? {
            checkpoint: {
              ...(task.checkpointEveryEpochs !== undefined ? { everyEpochs: task.checkpointEveryEpochs } : {}),
              ...(task.checkpointEveryMs !== undefined ? { everyMs: task.checkpointEveryMs } : {}),
              // Read when an abort arrives: a drain hands progress back, a cancel does not need to.
              get onAbort() {
                return handBack
              },
              save: async (bytes, epoch) => {
                // Copied: the buffer is transferred to the agent, and tfjs may still hold views.
                const answer = await ask({ type: 'checkpoint', id: ++next, epoch, bytes: bytes.slice() })
                if (answer.type === 'checkpointed' && answer.error)
                  throw new Error(`checkpoint of epoch ${epoch} not stored: ${answer.error}`)
              },
            },
          }
        : {}),
      ...(task.resumeFrom ? { resumeFrom: task.resumeFrom, resumeReports: task.resumeReports ?? true } : {}),
      ...(task.datasetFile ? { datasets: await loadDatasetFile(task.datasetFile, { name: spec.dataset }) } : {}),
      ...(task.candidates
        ? {
            candidates: new Map(
              Object.entries(task.candidates).map(([artifact, files]) => [artifact, new Map(Object.entries(files))]),
            ),
          }
        : {}),
    })
    const files: Record<string, Uint8Array> = result.modelDir
      ? Object.fromEntries(await readModelDir(result.modelDir))
      : {}
    return {
      files,
      metrics: flatMetrics(result.metrics),
      ...(result.metrics.test?.evaluation ? { evaluation: result.metrics.test.evaluation } : {}),
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
    }
  } finally {
    await ring?.leave()
    await rm(join(outDir, '..'), { recursive: true, force: true })
    port.postMessage({ type: 'end' } satisfies FromThread)
    port.close()
  }
}
