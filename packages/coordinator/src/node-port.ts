// How the leader speaks to nodes: one command at a time on kiln.node.<id>.command, answered
// by the node's agent. An interface, so the trial driver and the heartbeat reconciler can be
// driven by a test double as well as by NATS.
import type { NatsConnection } from '@nats-io/transport-node'
import { call } from '@kiln/cluster-state'
import {
  NodeCommandReplySchema,
  NodeCommandSchema,
  Subjects,
  type NodeCommand,
  type NodeCommandReply,
} from '@kiln/protocol'

/** Sends commands to nodes. */
export interface NodePort {
  /** Sends a command and waits for the node's acknowledgement (rejects if it refuses or is silent). */
  command(nodeId: string, command: NodeCommand): Promise<NodeCommandReply>
}

/** The NATS node port: a command times out after `timeoutMs`. */
export function natsNodePort(nc: NatsConnection, timeoutMs: number): NodePort {
  return {
    command: (nodeId, command) =>
      call(nc, Subjects.node.command(nodeId), NodeCommandSchema, command, NodeCommandReplySchema, {
        timeoutMs,
        noResponders: `is node ${nodeId} running?`,
      }),
  }
}

/** Tells nodes to stop one attempt of a trial; nothing waits, a failure is only reported. */
export function stopOn(
  port: NodePort,
  nodeIds: readonly string[],
  stop: { trialId: string; attempt?: number; reason: string },
  onError: (nodeId: string, err: unknown) => void,
): void {
  for (const nodeId of nodeIds) {
    const command: NodeCommand = {
      v: 1,
      kind: 'cancel',
      trialId: stop.trialId,
      ...(stop.attempt ? { attempt: stop.attempt } : {}),
      reason: stop.reason.slice(0, 512),
    }
    void port.command(nodeId, command).catch((err) => onError(nodeId, err))
  }
}
