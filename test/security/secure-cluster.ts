// A real cluster for the security tests: a nats-server configured as `kiln up` configures it
// (KILN and KILN_JS accounts, per-role users, node identities), a coordinator and a worker
// (node-1) running on their own credentials. `open: true` starts the same processes on a
// server without accounts or permissions instead: what the services' own checks must hold
// on by themselves.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type SandboxMode, type WorkerAgent } from '@kiln/worker'
import { ensureLayout } from '@kiln/cluster-state'
import { inboxPrefix, nodeUserName, readCredentials } from '@kiln/local'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { startRoleServer, type RoleServer } from '../local/role-server.js'

export type Who = 'admin' | 'coordinator' | 'gateway' | 'client' | 'worker' | 'worker2'

export interface SecureCluster {
  /** One connection per role; `worker` is node-1 (the running worker), `worker2` node-2. */
  nc: Record<Who, NatsConnection>
  coordinator: Coordinator
  worker: WorkerAgent
  roles?: RoleServer
  close(): Promise<void>
}

const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}

/** Starts the server, the coordinator (leading) and worker node-1 (`slots` CPU slots, default 1). */
export async function startSecureCluster(
  o: { open?: boolean; slots?: number; sandbox?: SandboxMode } = {},
): Promise<SecureCluster> {
  let roles: RoleServer | undefined
  let server: NatsServer | undefined
  let nc: Record<Who, NatsConnection>
  if (o.open) {
    server = await startNats()
    const who: Who[] = ['admin', 'coordinator', 'gateway', 'client', 'worker', 'worker2']
    nc = Object.fromEntries(
      await Promise.all(who.map(async (w) => [w, await connect({ servers: server!.url, name: w })] as const)),
    ) as Record<Who, NatsConnection>
    await ensureLayout(nc.admin)
  } else {
    roles = await startRoleServer()
    nc = roles.nc
  }
  const coordinator = await startCoordinator({ nc: nc.coordinator, log: quiet })
  await coordinator.leading()
  // Its builtin trials' rings connect with its own credentials, as `kiln worker` does.
  const creds = roles ? readCredentials(roles.nodeCreds['node-1']) : undefined
  const worker = await startWorker({
    nc: nc.worker,
    nodeId: 'node-1',
    threadConnection: {
      servers: [nc.worker.getServer()],
      ...(creds?.kind === 'nkey' ? { nkeySeed: creds.seed, inboxPrefix: inboxPrefix(nodeUserName('node-1')) } : {}),
    },
    slots: Array.from({ length: o.slots ?? 1 }, (_, k) => ({ id: `cpu${k}`, kind: 'cpu' as const, threads: 1 })),
    // As `kiln worker` runs: a process waits, loaded, on each free slot.
    prestartTrials: true,
    ...(o.sandbox ? { sandbox: o.sandbox } : {}),
    log: quiet,
  })
  return {
    nc,
    coordinator,
    worker,
    ...(roles ? { roles } : {}),
    close: async () => {
      await worker.stop()
      await coordinator.stop()
      if (roles) await roles.close()
      else {
        await Promise.all(Object.values(nc).map((c) => c.close()))
        await server?.stop()
      }
    },
  }
}
