import { createConnection, createServer } from 'node:net'

/** A TCP port on 127.0.0.1 that was free a moment ago (for configs that must name ports up front). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer().once('error', fail)
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => ok(port))
    })
  })
}

/** Whether something accepts TCP connections on host:port right now. */
export function tcpAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((ok) => {
    const sock = createConnection({ host, port })
    sock.once('connect', () => {
      sock.destroy()
      ok(true)
    })
    sock.once('error', () => ok(false))
  })
}

/** Whether `port` can be listened on at `host` now. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((ok) => {
    const srv = createServer().once('error', () => ok(false))
    srv.listen(port, host, () => srv.close(() => ok(true)))
  })
}
