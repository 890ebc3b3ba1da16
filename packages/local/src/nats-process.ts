// Runs nats-server as a child process: config file, log file, a port it picks itself, and
// a promise that resolves once it accepts connections.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalClusterError, LocalFailure } from './errors.js'
import { natsServerPath, natsServerVersion, supportsSyncAlways, type NatsVersion } from './nats-binary.js'
import { natsConfigText, type NatsUser } from './nats-config.js'
import { tcpAccepts } from './net-probe.js'
import { stopPid, tailFile } from './process-control.js'
import { spawnLogged, type Exit } from './spawn-logged.js'
import { waitUntil } from './wait-until.js'

export interface NatsServerOptions {
  /** Folder for nats.conf and (by default) nats.log; must exist. */
  dir: string
  /** JetStream store folder; none: JetStream off. */
  jetstreamDir?: string
  /** Users with permissions; none: no authorization. */
  users?: NatsUser[]
  /** Client port; default -1: the server picks a free one and logs it (no race with other processes). */
  port?: number
  host?: string
  /** Appended to the generated config. */
  extraConfig?: string
  logFile?: string
  serverName?: string
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  /** Its own process group, to outlive this process (`kiln up`); default off, so it dies with us. */
  detached?: boolean
}

/** A nats-server this process started. */
export interface RunningNats {
  url: string
  port: number
  pid: number
  version: NatsVersion
  bin: string
  configFile: string
  logFile: string
  exited: Promise<Exit>
  /** Lets this process exit while the server keeps running (`kiln up --detach`). */
  detach(): void
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s). */
  stop(graceMs?: number): Promise<void>
}

/** What a process's command line contains when it is a nats-server Kiln started (see pidAlive). */
export const NATS_MARKER = 'nats-server'

/**
 * Writes `<dir>/nats.conf` for these options: on start, and again before a reload (a node
 * added or revoked) with the same options and the new users.
 */
export function writeNatsConfig(
  o: Pick<NatsServerOptions, 'dir' | 'jetstreamDir' | 'users' | 'serverName' | 'extraConfig'>,
  version: NatsVersion,
): string {
  const configFile = join(o.dir, 'nats.conf')
  writeFileSync(
    configFile,
    natsConfigText({
      ...(o.jetstreamDir ? { jetstreamDir: o.jetstreamDir } : {}),
      syncAlways: supportsSyncAlways(version),
      ...(o.users ? { users: o.users } : {}),
      ...(o.serverName ? { serverName: o.serverName } : {}),
      ...(o.extraConfig ? { extra: o.extraConfig } : {}),
    }),
    { mode: 0o600 },
  )
  return configFile
}

/** Starts nats-server and resolves once it accepts client connections. */
export async function startNatsServer(o: NatsServerOptions): Promise<RunningNats> {
  const bin = natsServerPath(o.env)
  const version = natsServerVersion(bin)
  const host = o.host ?? '127.0.0.1'
  const logFile = o.logFile ?? join(o.dir, 'nats.log')
  const configFile = writeNatsConfig(o, version)
  // Address and port on the command line override whatever the config says.
  const args = ['-c', configFile, '-a', host, '-p', String(o.port ?? -1)]
  const proc = spawnLogged(bin, args, { logFile, detached: o.detached ?? false, ...(o.env ? { env: o.env } : {}) })
  const killOnExit = () => proc.child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async (graceMs = 10_000) => {
    process.removeListener('exit', killOnExit)
    await stopPid(proc.pid, NATS_MARKER, graceMs)
    await proc.exited
  }
  try {
    const port = await waitUntil(
      () => {
        const log = proc.output()
        const port = Number(/Listening for client connections on [^\s]+:(\d+)/.exec(log)?.[1] ?? 0)
        return port && log.includes('Server is ready') ? port : undefined
      },
      {
        timeoutMs: o.timeoutMs ?? 10_000,
        intervalMs: 20,
        onTimeout: () => new Error(`not ready after ${o.timeoutMs ?? 10_000} ms`),
        abort: proc.exited.then((e) => {
          throw new Error(`exited (${e.code ?? e.signal})`)
        }),
      },
    )
    if (!(await tcpAccepts(port, host))) throw new Error(`logged ready but port ${port} refuses connections`)
    return {
      url: `nats://${host}:${port}`,
      port,
      pid: proc.pid,
      version,
      bin,
      configFile,
      logFile,
      exited: proc.exited,
      detach: () => {
        process.removeListener('exit', killOnExit)
        proc.child.unref()
      },
      stop,
    }
  } catch (err) {
    await stop(2000)
    throw new LocalClusterError(
      LocalFailure.natsStart,
      `nats-server ${(err as Error).message}\n--- ${bin} ${args.join(' ')} (log ${logFile}) ---\n${tailFile(logFile)}`,
      { cause: err },
    )
  }
}
