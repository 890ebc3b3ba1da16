// A unit running on a test bed host, as systemd would run it: the unit's command in the
// host's network namespace (and its own host name), its output in the host's log folder,
// restarted after RestartSec when it fails (Restart=on-failure), at most MAX_RESTARTS
// times, so a broken unit ends the test instead of looping. Powering the host off stops
// the restarts; powering it on starts the unit again.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { spawnLogged, tailFile, type Spawned } from '@kiln/local'
import type { NetHost } from './network.js'
import { unitInvocation, type Unit } from './templates.js'

const MAX_RESTARTS = 20

/** How a service shows it is ready: a line in its output, or an HTTP URL answering 200. */
export type Readiness = { line: RegExp } | { url: string }

export class Service {
  private current: Spawned | undefined
  private wanted = false
  private readyFlag = false
  private restarts = 0
  private gaveUp: string | undefined
  private incarnation = 0
  readonly logFile: string

  constructor(
    readonly host: NetHost,
    readonly root: string,
    readonly unit: Unit,
    private readonly readiness: Readiness,
  ) {
    mkdirSync(join(root, 'log'), { recursive: true })
    this.logFile = join(root, 'log', `${unit.name}.log`)
  }

  get pid(): number | undefined {
    return this.current?.pid
  }

  /** Whether the current incarnation has shown it is ready. */
  get isReady(): boolean {
    return this.readyFlag
  }

  /** The JSON ready line of its current incarnation (a coordinator's id, a worker's nodeId). */
  readyInfo(): Record<string, unknown> | undefined {
    for (const line of (this.current?.output() ?? '').split('\n').reverse()) {
      if (!line.startsWith('{"event":"ready"')) continue
      try {
        return JSON.parse(line) as Record<string, unknown>
      } catch {
        /* a torn line */
      }
    }
    return undefined
  }

  /** The end of its log, for failure messages. */
  tail(chars = 3000): string {
    return tailFile(this.logFile, chars)
  }

  /** Starts the unit (systemctl start). */
  start(): void {
    this.wanted = true
    this.gaveUp = undefined
    this.restarts = 0
    this.spawn()
  }

  private spawn(): void {
    const { command, env, cwd } = unitInvocation(this.unit, this.root)
    // Its own UTS namespace: the unit sees the host's name (kiln worker names its node by it).
    const inHost = ['netns', 'exec', this.host.ns, 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"']
    const spawned = spawnLogged('ip', [...inHost, this.host.name, ...command], { logFile: this.logFile, cwd, env })
    const n = ++this.incarnation
    this.current = spawned
    this.readyFlag = false
    const timer = setInterval(() => void this.probe(spawned, n), 200)
    void spawned.exited.then((exit) => {
      clearInterval(timer)
      if (n !== this.incarnation) return
      this.readyFlag = false
      // systemd's on-failure: a non-zero exit or an unclean signal; SIGTERM is a clean stop.
      const failed = (exit.code !== null && exit.code !== 0) || (exit.signal !== null && exit.signal !== 'SIGTERM')
      if (!this.wanted || !this.unit.restart || !failed) return
      if (++this.restarts > MAX_RESTARTS) {
        this.gaveUp = `${this.unit.name} on ${this.host.name} failed ${MAX_RESTARTS} times`
        return
      }
      setTimeout(() => this.wanted && n === this.incarnation && this.spawn(), this.unit.restartSec * 1000).unref()
    })
  }

  private async probe(spawned: Spawned, n: number): Promise<void> {
    if (this.readyFlag || n !== this.incarnation) return
    let ok = false
    if ('line' in this.readiness) ok = this.readiness.line.test(spawned.output())
    else {
      try {
        ok = (await fetch(this.readiness.url, { signal: AbortSignal.timeout(1000) })).ok
      } catch {
        ok = false
      }
    }
    if (ok && n === this.incarnation) this.readyFlag = true
  }

  /** Resolves once ready; throws with the end of its log when it gave up or timed out. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.readyFlag) {
      if (this.gaveUp) throw new Error(`${this.gaveUp}; the end of its log:\n${this.tail()}`)
      if (Date.now() > deadline)
        throw new Error(`${this.unit.name} on ${this.host.name} not ready in ${timeoutMs} ms:\n${this.tail()}`)
      await new Promise((ok) => setTimeout(ok, 100))
    }
  }

  /** The host lost power: no restart (the processes themselves are killed by the host). */
  poweredOff(): void {
    this.wanted = false
    this.readyFlag = false
  }

  /** systemctl stop: SIGTERM, SIGKILL after graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    this.wanted = false
    const p = this.current
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return
    p.child.kill('SIGTERM')
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs)
    await p.exited
    clearTimeout(timer)
  }
}
