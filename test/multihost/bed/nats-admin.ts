// What an operator asks the NATS cluster itself in the multi-host tests: which server a
// host's processes are connected to (the system account's CONNZ), which server leads a
// stream's replicas, and moving that leadership (a step-down) until a given server has it.
import type { NatsConnection } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { waitFor } from '../../helpers/wait-for.js'

/** Server name → the client addresses connected to it, from every server's CONNZ (system account). */
export async function connectionsByServer(sys: NatsConnection): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  const replies = await sys.requestMany('$SYS.REQ.SERVER.PING.CONNZ', new TextEncoder().encode('{"limit":1024}'), {
    maxWait: 3000,
    maxMessages: 3,
  })
  for await (const m of replies) {
    const r = m.json<{ server: { name: string }; data: { connections?: Array<{ ip: string }> } }>()
    out.set(
      r.server.name,
      (r.data.connections ?? []).map((c) => c.ip),
    )
  }
  return out
}

/** The server that leads `stream`'s replicas (undefined while it has none). */
export async function streamLeader(admin: NatsConnection, stream: string): Promise<string | undefined> {
  const jsm = await jetstreamManager(admin)
  return (await jsm.streams.info(stream)).cluster?.leader
}

/**
 * Steps the stream's leader down until `server` leads it (a server that has not caught up
 * is never elected, so this also waits for that); bounded by `timeoutMs`.
 */
export async function moveLeader(
  admin: NatsConnection,
  stream: string,
  server: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `${server} to lead ${stream}`,
    async () => {
      const leader = await streamLeader(admin, stream)
      if (leader === server) return true
      if (leader) await admin.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5000 })
      return false
    },
    timeoutMs,
    1500,
  )
}
