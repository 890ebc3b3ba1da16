// Starts a real nats-server for a test: random port on 127.0.0.1, JetStream in a fresh
// temp dir, fsync on every write when the server supports it (2.10+), as production runs.
// The server logic itself is @kiln/local's, the same code `kiln up` runs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNatsServer, type NatsUser, type NatsVersion } from '@kiln/local'

export { natsServerPath, natsServerVersion, freePort } from '@kiln/local'

export interface NatsOptions {
  /** JetStream on (default) or off. */
  jetstream?: boolean
  /** Extra nats-server config text, appended to the generated file. */
  config?: string
  /** Users with permissions (authorization on); none: anyone may connect. */
  users?: NatsUser[]
  /** How long to wait for the server to accept connections (default 10 s). */
  timeoutMs?: number
}

export interface NatsServer {
  url: string
  port: number
  pid: number
  dir: string
  version: NatsVersion
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>
}

/** Starts a nats-server child process and resolves once it accepts client connections. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const { jetstream = true, config, users, timeoutMs = 10_000 } = opts
  const dir = mkdtempSync(join(tmpdir(), 'kiln-nats-'))
  try {
    const server = await startNatsServer({
      dir,
      timeoutMs,
      ...(jetstream ? { jetstreamDir: join(dir, 'store') } : {}),
      ...(config ? { extraConfig: config } : {}),
      ...(users ? { users } : {}),
    })
    return {
      url: server.url,
      port: server.port,
      pid: server.pid,
      dir,
      version: server.version,
      stop: async () => {
        await server.stop(5000)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
