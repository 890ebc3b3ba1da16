// Starts a real nats-server for a test: random port on 127.0.0.1, JetStream in a fresh
// temp dir, fsync on every write when the server supports it (2.10+), as production runs.
import { execFileSync, spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

function executable(path: string): boolean {
  try { accessSync(path, constants.X_OK); return true } catch { return false }
}

/** Finds nats-server: $KILN_NATS_SERVER, then the copy scripts/setup unpacked, then PATH. */
export function natsServerPath(): string {
  const fromEnv = process.env.KILN_NATS_SERVER
  if (fromEnv) return fromEnv
  // Debian ships it in sbin, which a non-root PATH often lacks.
  const candidates = [
    join(repoRoot, '.tools/nats/usr/sbin/nats-server'),
    join(repoRoot, '.tools/nats/usr/bin/nats-server'),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nats-server')),
    '/usr/sbin/nats-server', '/usr/local/sbin/nats-server',
  ]
  const found = candidates.find(executable)
  if (!found) throw new Error('nats-server not found: run `bash scripts/setup` or set KILN_NATS_SERVER')
  return found
}

const versions = new Map<string, [number, number, number]>()

/** The server's version as [major, minor, patch] (`nats-server --version`, cached). */
export function natsServerVersion(bin = natsServerPath()): [number, number, number] {
  let v = versions.get(bin)
  if (!v) {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8' })
    const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(out)
    if (!m) throw new Error(`cannot read the version of ${bin} from ${JSON.stringify(out)}`)
    v = [Number(m[1]), Number(m[2]), Number(m[3])]
    versions.set(bin, v)
  }
  return v
}

/** A TCP port that was free a moment ago (for configs that must name ports up front). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer().once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => ok(port))
    })
  })
}

export interface NatsOptions {
  /** JetStream on (default) or off. */
  jetstream?: boolean
  /** Extra nats-server config text, appended to the generated file. */
  config?: string
  /** How long to wait for the server to accept connections (default 10 s). */
  timeoutMs?: number
}

export interface NatsServer {
  url: string
  port: number
  dir: string
  version: [number, number, number]
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const sock = createConnection({ host: '127.0.0.1', port })
    sock.once('connect', () => { sock.destroy(); ok(true) })
    sock.once('error', () => ok(false))
  })
}

/** Starts a nats-server child process and resolves once it accepts client connections. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const { jetstream = true, config = '', timeoutMs = 10_000 } = opts
  const bin = natsServerPath()
  const version = natsServerVersion(bin)
  const dir = mkdtempSync(join(tmpdir(), 'kiln-nats-'))
  const storeDir = join(dir, 'store')
  const syncAlways = version[0] > 2 || (version[0] === 2 && version[1] >= 10)
  const conf = join(dir, 'nats.conf')
  writeFileSync(conf, [
    jetstream && syncAlways ? 'jetstream { sync_interval: always }' : '',
    config,
  ].join('\n'))
  // -p -1: the server picks a free port itself and logs it, so no other process can race us to it.
  const args = ['-c', conf, '-a', '127.0.0.1', '-p', '-1', ...(jetstream ? ['-js', '-sd', storeDir] : [])]
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  let log = ''
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()))
  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    const port = await new Promise<number>((ok, fail) => {
      let port = 0
      const timer = setTimeout(() => fail(new Error(`nats-server not ready after ${timeoutMs} ms`)), timeoutMs)
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        log = (log + chunk).slice(-20_000)
        port ||= Number(/Listening for client connections on [^\s]+:(\d+)/.exec(log)?.[1] ?? 0)
        if (port && log.includes('Server is ready')) { clearTimeout(timer); ok(port) }
      })
      child.once('error', (err) => { clearTimeout(timer); fail(err) })
      child.once('exit', (code, sig) => { clearTimeout(timer); fail(new Error(`nats-server exited (${code ?? sig})`)) })
    })
    if (!(await tcpAccepts(port))) throw new Error(`nats-server logged ready but port ${port} refuses connections`)
    return { url: `nats://127.0.0.1:${port}`, port, dir, version, stop }
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\n--- nats-server ${args.join(' ')} ---\n${log.slice(-4000)}`)
  }
}
