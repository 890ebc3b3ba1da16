// The dashboard's state and who is told when it changes. Changes arrive in bursts (a sweep
// start writes a dozen trials at once), so listeners hear of them at most every throttleMs:
// one redraw per burst, not one per record.
import type { ClusterChange } from '@kiln/client'
import { addMessage, applyChange } from './apply-change.js'
import { emptyState, type DashState, type MessageLevel } from './state.js'

/** Holds a DashState; views re-render when `version` moves. */
export class DashStore {
  version = 0
  private readonly listeners = new Set<() => void>()
  private timer: NodeJS.Timeout | undefined

  /** throttleMs 0 tells listeners at once (tests). */
  constructor(
    readonly state: DashState = emptyState(),
    private readonly throttleMs = 80,
  ) {}

  /** Calls fn after changes; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Changes the state through fn, then tells the listeners. */
  update(fn: (s: DashState) => void): void {
    fn(this.state)
    this.changed()
  }

  /** Applies a change of the cluster feed. */
  apply(change: ClusterChange): void {
    this.update((s) => applyChange(s, change))
  }

  /** Shows a line in the message bar. */
  message(level: MessageLevel, text: string): void {
    this.update((s) => addMessage(s, level, text))
  }

  private changed(): void {
    this.version++
    if (this.throttleMs <= 0) {
      this.notify()
      return
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.notify()
    }, this.throttleMs)
  }

  private notify(): void {
    for (const fn of this.listeners) fn()
  }

  /** Cancels a pending notification (on exit). */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.listeners.clear()
  }
}
