// /metrics for the long-running processes that have no HTTP server of their own (the
// coordinator and workers): Prometheus text from a prom-client registry on a small
// node:http server. 404 for every other path.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the server needs of a registry (prom-client's Registry has both). */
export interface MetricsSource {
  contentType: string
  metrics(): Promise<string>
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one the system gave for 0). */
  port: number
  close(): Promise<void>
}

/**
 * The registry's text with every NaN sample spelled `NaN`. prom-client writes `Nan`
 * (e.g. nodejs_eventloop_lag_* before the first event-loop sample), which Prometheus's Go
 * parser happens to accept but the exposition format and OpenMetrics spell `NaN`; strict
 * scrapers and our own format test reject it.
 */
export async function exposition(source: MetricsSource): Promise<string> {
  return (await source.metrics()).replace(/ Nan$/gm, ' NaN')
}

/** Serves `GET /metrics` from `source` on `host:port` (default 127.0.0.1). */
export async function serveMetrics(source: MetricsSource, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end()
      return
    }
    exposition(source).then(
      (text) => res.writeHead(200, { 'content-type': source.contentType }).end(text),
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error)?.message ?? err)),
    )
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => ok())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  }
}
