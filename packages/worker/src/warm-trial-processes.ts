// The worker's script-trial processes, one slot at a time: once the worker has run a script
// trial, a process is started for each free slot before the next trial arrives (loading
// node, tfjs, the addon and Kiln takes about a second of CPU), so a trial starts in one that
// is ready. Each process serves exactly one trial and is then discarded; the slot's next
// one is started fresh, after everything left running under the slot's uid is killed and
// what it left in the shared temporary folders removed. A process is started for the needs
// of the last trial on its slot (GPU, resources.memoryMb); a trial that needs otherwise
// gets one started for it (a "cold" start).
import type { Slot } from '@kiln/protocol'
import type { Logger } from '@kiln/train/spec'
import { KilnError, ErrorCode } from '@kiln/protocol'
import { claimSandboxUids, removeFilesOf, sweepUid, type UidClaim } from './sandbox-uids.js'
import { warmTrialCode } from './trial-code.js'
import { TrialProcess, type ProcessShape } from './trial-process-start.js'
import type { SandboxPlan } from './trial-sandbox.js'

export interface TrialProcessesOptions {
  sandbox: SandboxPlan
  slots: readonly Slot[]
  /** Once a script trial ran, keep a process started for each free slot ahead of its next. */
  prestart?: boolean
  log: Logger
  /** Called for each process a trial takes: started ahead, or started for it. */
  onTake?: (start: 'prestarted' | 'cold') => void
}

type Entry = { proc: Promise<TrialProcess | undefined>; started?: TrialProcess }

/** The trial processes of one worker, by slot. */
export class TrialProcesses {
  private readonly waiting = new Map<string, Entry>()
  private readonly users = new Map<string, { uid: number; gid: number }>()
  private readonly claim: UidClaim | undefined
  private readonly running = new Set<string>()
  private warmed: Promise<void> | undefined
  private closed = false
  private scripts = false

  constructor(private readonly o: TrialProcessesOptions) {
    const { sandbox } = o
    // A root worker's trials: one user per slot, else the plan's one user (nobody).
    if (sandbox.uid !== undefined && sandbox.gid !== undefined) {
      try {
        const claim = claimSandboxUids(o.slots.length)
        this.claim = claim
        for (const [k, s] of o.slots.entries()) this.users.set(s.id, { uid: claim.uids[k]!, gid: claim.uids[k]! })
      } catch (err) {
        o.log('warn', 'trials of all slots share one user', { uid: sandbox.uid, error: String((err as Error).message) })
        for (const s of o.slots) this.users.set(s.id, { uid: sandbox.uid, gid: sandbox.gid })
      }
    }
  }

  /** The uid trials on `slotId` run as (undefined: the worker's own). */
  uidOf(slotId: string): number | undefined {
    return this.users.get(slotId)?.uid
  }

  /** How many processes wait, started and loaded, for a trial. */
  ready(): number {
    return [...this.waiting.values()].filter((e) => e.started?.alive && e.started.loaded).length
  }

  /** A process for a trial on `slotId`: the one waiting there if it fits, else a new one. */
  async take(slotId: string, need: { gpu: boolean; memoryMb?: number }): Promise<TrialProcess> {
    // Reserved before the first await: a prestart for this slot meanwhile (another slot's
    // first script trial starts them) would sweep the slot's uid and SIGKILL the process
    // being started here for this trial.
    this.running.add(slotId)
    let proc: TrialProcess
    try {
      const entry = this.waiting.get(slotId)
      this.waiting.delete(slotId)
      const waiting = await entry?.proc
      if (waiting?.alive && waiting.shape.gpu === need.gpu && waiting.shape.memoryMb === need.memoryMb) {
        proc = waiting
        this.o.onTake?.('prestarted')
      } else {
        await waiting?.dispose()
        proc = await this.start(slotId, need.gpu, need.memoryMb)
        this.o.onTake?.('cold')
      }
    } catch (err) {
      this.running.delete(slotId)
      throw err
    }
    // Once this trial's process is gone, the slot gets a fresh one for its next trial.
    void proc.exited.then(() => {
      this.running.delete(slotId)
      if (this.o.prestart) this.prestart(slotId, need.memoryMb)
    })
    // This worker runs script trials: from now on every free slot keeps one waiting. (Not
    // from the start: a worker of builtin models only would pay ~1 s CPU and ~110 MB a slot.)
    if (this.o.prestart && !this.scripts) {
      this.scripts = true
      for (const s of this.o.slots) if (!this.running.has(s.id)) this.prestart(s.id, undefined)
    }
    return proc
  }

  /** Kills the waiting processes and gives the uids back. */
  async close(): Promise<void> {
    this.closed = true
    const procs = await Promise.all([...this.waiting.values()].map((e) => e.proc))
    this.waiting.clear()
    await Promise.all(procs.map((p) => p?.dispose()))
    if (this.claim && this.o.sandbox.mode === 'user') for (const user of this.users.values()) await sweepUid(user.uid)
    this.claim?.release()
  }

  // Never on a slot whose trial runs: its uid's leftovers are swept before a start.
  private prestart(slotId: string, memoryMb: number | undefined): void {
    if (this.closed || this.waiting.has(slotId) || this.running.has(slotId)) return
    const slot = this.o.slots.find((s) => s.id === slotId)
    if (!slot) return
    const proc = this.start(slotId, slot.kind === 'gpu', memoryMb).catch((err: unknown) => {
      if (!this.closed)
        this.o.log('warn', 'could not start a trial process ahead', {
          slot: slotId,
          error: String((err as Error).message),
        })
      return undefined
    })
    const entry: Entry = { proc }
    this.waiting.set(slotId, entry)
    // One that dies while it waits is not replaced until the slot's next trial (no crash loop).
    void proc.then((p) => {
      if (p) entry.started = p
      return p?.exited.then(() => {
        if (this.waiting.get(slotId)?.proc !== proc) return
        this.waiting.delete(slotId)
        if (!this.closed)
          this.o.log('warn', 'a waiting trial process ended', {
            slot: slotId,
            stderr: p.stderrTail.slice(-5).join(' | ').slice(0, 1000),
          })
      })
    })
  }

  // The compile cache warmed once, before the first process (only the sources need it).
  private codeReady(): Promise<void> {
    this.warmed ??= warmTrialCode()
    return this.warmed
  }

  private async start(slotId: string, gpu: boolean, memoryMb: number | undefined): Promise<TrialProcess> {
    await this.codeReady()
    if (this.closed) throw new KilnError(ErrorCode.unavailable, 'the worker is stopping')
    const user = this.users.get(slotId)
    // The uid is this worker's slot's alone: whatever still runs under it, a trial left
    // (under bwrap, a trial's processes all end with its pid namespace).
    if (user && this.claim && this.o.sandbox.mode === 'user') {
      await sweepUid(user.uid)
      await removeFilesOf(user.uid)
    }
    const shape: ProcessShape = { gpu, ...(memoryMb ? { memoryMb } : {}), ...(user ? { user } : {}) }
    return TrialProcess.start(this.o.sandbox, shape)
  }
}
