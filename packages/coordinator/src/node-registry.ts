// Which nodes exist and which are alive. Registrations come from kiln_nodes (a KV watch);
// liveness from heartbeats on kiln.node.*.heartbeat. A node is lost once it has been
// silent for missedBeats heartbeat intervals; a new leader counts every node as just seen,
// so a takeover never declares the whole cluster lost. A lost node is forgotten after
// forgetAfterMs (a restarted worker comes back under a new id, and its old entry, with the
// slots its last beat said were busy, must not stay listed), or at once when its
// registration is deleted (a node that stopped cleanly). Each node's credential may write
// only its own key and heartbeat subject, so a registration or beat naming another node
// than its key or subject says is refused: one node cannot speak for another.
import type { KV } from '@nats-io/kv'
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import {
  ErrorCode,
  HeartbeatSchema,
  KilnError,
  NodeRegistrationSchema,
  Subjects,
  decode,
  relayedMessage,
  type Heartbeat,
  type NodeRegistration,
} from '@kiln/protocol'

export interface NodeView {
  registration: NodeRegistration
  lastBeat: number
  heartbeat?: Heartbeat
}

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeView>()
  private sub: Subscription | undefined
  private watch: { stop(): void } | undefined
  // When it started listening: a node not heard of yet counts as seen then. Not when it was
  // made: a new leader loads its records (and catches its sweeps up) in between, and on a
  // loaded machine that outlasts the loss timeout, which would lose every node whose
  // registration the watch had not delivered by the first placement pass.
  private listeningSince = Number.POSITIVE_INFINITY

  constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly ttl: { lostAfterMs: number; forgetAfterMs: number },
    private readonly onBeat: (beat: Heartbeat) => void,
    private readonly onBad: (what: string, err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const iter = await this.kv.watch({ key: '>' })
    this.watch = iter
    void (async () => {
      for await (const e of iter) {
        if (e.operation !== 'PUT') {
          this.nodes.delete(e.key)
          continue
        }
        try {
          const registration = decode(NodeRegistrationSchema, e.value)
          if (registration.nodeId !== e.key) throw mismatch('registration', registration.nodeId, e.key)
          const known = this.nodes.get(registration.nodeId)
          this.nodes.set(registration.nodeId, { ...known, registration, lastBeat: known?.lastBeat ?? Date.now() })
        } catch (err) {
          this.onBad(`kiln_nodes/${e.key}`, err)
        }
      }
    })()
    this.sub = this.nc.subscribe(Subjects.node.allHeartbeats, {
      callback: (err, msg) => {
        if (err) return
        let beat: Heartbeat
        try {
          const relayed = relayedMessage(msg, Subjects.node.allHeartbeats)
          if (relayed) throw new KilnError(ErrorCode.permissionDenied, `refused a relayed heartbeat: ${relayed}`)
          beat = decode(HeartbeatSchema, msg.data)
        } catch (e) {
          this.onBad(msg.subject, e)
          return
        }
        // A beat speaks for the node of its subject only (kiln.node.<id>.heartbeat).
        if (msg.subject !== Subjects.node.heartbeat(beat.nodeId)) {
          this.onBad(msg.subject, new Error(`a heartbeat of node ${beat.nodeId} on another node's subject`))
          return
        }
        const view = this.nodes.get(beat.nodeId)
        if (view) {
          view.lastBeat = Date.now()
          view.heartbeat = beat
        }
        this.onBeat(beat)
      },
    })
    this.listeningSince = Date.now()
  }

  stop(): void {
    this.sub?.unsubscribe()
    this.watch?.stop()
  }

  /** Nodes heard from within the loss timeout. */
  live(now = Date.now()): NodeView[] {
    return [...this.nodes.values()].filter((n) => this.isLive(n.registration.nodeId, now))
  }

  all(): NodeView[] {
    return [...this.nodes.values()]
  }

  get(nodeId: string): NodeView | undefined {
    return this.nodes.get(nodeId)
  }

  /** Whether a node is alive; a node never heard of counts from when this registry started listening. */
  isLive(nodeId: string, now = Date.now()): boolean {
    const last = this.nodes.get(nodeId)?.lastBeat ?? this.listeningSince
    return now - last <= this.ttl.lostAfterMs
  }

  /** Counts a node as heard from now (it answered a probe). */
  heard(nodeId: string): void {
    const view = this.nodes.get(nodeId)
    if (view) view.lastBeat = Date.now()
  }

  /** Forgets nodes silent for longer than forgetAfterMs; their ids. */
  forgetLost(now = Date.now()): string[] {
    const gone: string[] = []
    for (const [id, view] of this.nodes) {
      if (now - view.lastBeat > this.ttl.forgetAfterMs) {
        this.nodes.delete(id)
        gone.push(id)
      }
    }
    return gone
  }

  /** Forgets a node that said it is leaving (drained). */
  remove(nodeId: string): void {
    this.nodes.delete(nodeId)
  }
}

function mismatch(what: string, nodeId: string, where: string): KilnError {
  return new KilnError(ErrorCode.permissionDenied, `a ${what} of node ${nodeId} arrived on ${where}: refused`)
}
