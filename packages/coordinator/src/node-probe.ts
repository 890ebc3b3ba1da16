// Whether a node whose beats stopped arriving is gone. Late beats alone do not say so: on a
// loaded machine a worker's beats (or the leader's reading of them) can lag past the loss
// timeout while the node trains on, and losing its trials then retrains their epochs since
// the last checkpoint elsewhere. So such a node is asked once on its command subject; it is
// lost only if that goes unanswered (a dead worker's subject has no responders: at once). An
// answer counts as a beat, and any real beat clears what a probe found.
import type { Logger } from '@kiln/train/spec'
import type { NodePort } from './node-port.js'

export interface NodeProbeOptions {
  port: NodePort
  log: Logger
  /** The node answered: count it as heard from now. */
  heard(nodeId: string): void
  /** A probe went unanswered: look again soon. */
  kick(): void
}

export class NodeProbes {
  // Per node: a probe in flight (false) or one that went unanswered (true).
  private readonly unanswered = new Map<string, boolean>()

  constructor(private readonly o: NodeProbeOptions) {}

  /** Whether a node that looks dead is lost: once a probe went unanswered; starts one if none is out. */
  lost(nodeId: string): boolean {
    const state = this.unanswered.get(nodeId)
    if (state === undefined) this.probe(nodeId)
    return state === true
  }

  /** A beat arrived: what a probe found is old news. */
  beat(nodeId: string): void {
    if (this.unanswered.get(nodeId) === true) this.unanswered.delete(nodeId)
  }

  /** Forgets nodes the registry forgot. */
  forget(nodeIds: readonly string[]): void {
    for (const id of nodeIds) this.unanswered.delete(id)
  }

  private probe(nodeId: string): void {
    this.unanswered.set(nodeId, false)
    void this.o.port.command(nodeId, { v: 1, kind: 'ping' }).then(
      () => {
        this.unanswered.delete(nodeId)
        this.o.heard(nodeId)
        this.o.log('info', 'a node whose beats stopped answered a probe; its trials stay', { nodeId })
      },
      () => {
        this.unanswered.set(nodeId, true)
        this.o.kick()
      },
    )
  }
}
