// The HTTP listener for a gateway (@hono/node-server, with the fast infer path in front).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Gateway } from './gateway.js'

export interface Listening {
  url: string
  port: number
  close(): Promise<void>
}

/** Listens on host:port (port 0: a free one) and resolves once it accepts connections. */
export function serveGateway(gateway: Gateway, port = 8080, host = '127.0.0.1'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: gateway.app.fetch,
        port,
        hostname: host,
        createServer: (opts: object, next: Parameters<Gateway['listener']>[0]) =>
          createServer(opts, gateway.listener(next)),
      } as Parameters<typeof serve>[0],
      (info: AddressInfo) => {
        const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address
        resolve({
          url: `http://${shown}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((ok) => {
              server.close(() => ok())
              ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
            }),
        })
      },
    )
    server.once('error', reject)
  })
}
