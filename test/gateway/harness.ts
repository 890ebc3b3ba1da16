// A gateway on a random loopback port for tests (from a folder, or on a real nats-server),
// small HTTP helpers and a CliIo that keeps what a command prints.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { CliIo } from '@kiln/cli'
import { ensureLayout, publishModelVersion, type Layout } from '@kiln/cluster-state'
import { createGateway, serveGateway, type Gateway, type GatewayOptions, type Listening } from '@kiln/gateway'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { install } from './fixtures.js'

export interface Running {
  gw: Gateway
  url: string
  root: string
  logs: Record<string, unknown>[]
  close(): Promise<void>
}

/** Starts a gateway serving `models` ({ name: [dir of v1, dir of v2, ...] }) from a temp folder. */
export async function startGateway(
  models: Record<string, string[]>,
  options: Partial<GatewayOptions> = {},
): Promise<Running> {
  const root = mkdtempSync(join(tmpdir(), 'kiln-gw-'))
  for (const [name, dirs] of Object.entries(models))
    dirs.forEach((d, i) => {
      install(d, root, name, i + 1)
    })
  const logs: Record<string, unknown>[] = []
  const gw = await createGateway({ modelsDir: root, threads: 1, log: (r) => logs.push(r), ...options })
  const http = await serveGateway(gw, 0)
  return {
    gw,
    url: http.url,
    root,
    logs,
    async close() {
      await http.close()
      await gw.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** POSTs JSON (or raw bytes) and returns status, headers and the parsed JSON body (or raw bytes). */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any; bytes: Uint8Array }> {
  const raw = body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body)
  const res = await fetch(url, { method: 'POST', body: raw, headers })
  const bytes = new Uint8Array(await res.arrayBuffer())
  let json: any
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, bytes }
}

/** GETs and parses JSON. */
export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, { headers })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text }
}

/** A binary-extension request body: JSON header + raw tensors. */
export function binaryBody(header: unknown, blobs: Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const body = new Uint8Array(json.byteLength + blobs.reduce((n, b) => n + b.byteLength, 0))
  body.set(json, 0)
  let at = json.byteLength
  for (const b of blobs) {
    body.set(b, at)
    at += b.byteLength
  }
  return { body, headerLength: json.byteLength }
}

/** Resolves when `check()` is true; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A prom-client metric's value for these labels (histograms: `suffix` count or sum); 0 when never set. */
export async function metricValue(
  metric: { get(): Promise<{ values: { labels: object; value: number; metricName?: string }[] }> },
  labels: Record<string, string>,
  suffix?: 'count' | 'sum',
): Promise<number> {
  const same = (l: object) =>
    Object.entries(labels).every(([k, v]) => (l as Record<string, unknown>)[k] === v) &&
    Object.keys(l).filter((k) => k !== 'le').length === Object.keys(labels).length
  const found = (await metric.get()).values.find(
    (s) => same(s.labels) && (suffix === undefined || s.metricName?.endsWith(`_${suffix}`)),
  )
  return found?.value ?? 0
}

/** A model folder's files, as publishModelVersion takes them. */
export const filesOf = (dir: string) =>
  new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

/** A real nats-server, models published to its registry, and a gateway serving them. */
export interface ClusterGateway {
  server: NatsServer
  nc: NatsConnection
  layout: Layout
  gw: Gateway
  url: string
  /** The gateway's HTTP listener (close it and `gw` to stop the gateway alone). */
  http: Listening
  close(): Promise<void>
}

/** Starts nats-server, publishes `models` ({ name: [dir of v1, dir of v2, ...] }) and a one-thread gateway. */
export async function startClusterGateway(
  models: Record<string, string[]>,
  options: Partial<GatewayOptions> = {},
): Promise<ClusterGateway> {
  const server = await startNats()
  const nc = await connect({ servers: server.url })
  const layout = await ensureLayout(nc)
  for (const [model, dirs] of Object.entries(models))
    for (const dir of dirs) await publishModelVersion(layout, { model, files: filesOf(dir) })
  const gw = await createGateway({ nc, threads: 1, log: () => {}, ...options })
  const http = await serveGateway(gw, 0)
  return {
    server,
    nc,
    layout,
    gw,
    url: http.url,
    http,
    async close() {
      await http.close()
      await gw.close()
      await nc.close()
      await server.stop()
    },
  }
}

/** A CliIo that keeps what a command prints; `interrupt()` is Ctrl-C. */
export function cliIo(env: Record<string, string> = {}, cwd = process.cwd()) {
  let text = ''
  let stop: (() => void) | undefined
  const out = new PassThrough()
  out.on('data', (c) => {
    text += String(c)
  })
  const io: CliIo = {
    stdout: out,
    stderr: out,
    env,
    cwd,
    onInterrupt(handler) {
      stop = handler
      return () => {
        stop = undefined
      }
    },
  }
  return { io, text: () => text, interrupt: () => stop?.() }
}
