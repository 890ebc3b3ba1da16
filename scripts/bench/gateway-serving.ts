// The serving runs of bench:gateway (issue 14): a 50/50 canary between two separately trained
// versions behind one endpoint (req/s and failed requests), and the time a freshly started
// gateway takes to serve 20 registered versions behind 5 endpoints (restart to serving).
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { EndpointsClient } from '@kiln/client'
import { applyDeploy, createGateway, serveGateway } from '@kiln/gateway'
import { startNatsServer } from '@kiln/local'

/** One load run: latencies (ms) of the measured requests and how many failed. */
export type LoadRun = (o: {
  port: number
  path: string
  body: Uint8Array
  headerLength: string
  concurrency: number
}) => Promise<{ lat: number[]; errors: number }>

/** req/s and failed requests of a 50/50 canary between `dirs[0]` and `dirs[1]` at `concurrency`. */
export async function canaryRun(
  dirs: [string, string],
  root: string,
  body: (inputName: string) => { body: Uint8Array; headerLength: string },
  load: LoadRun,
  concurrency: number,
): Promise<{ reqPerS: (seconds: number) => number; errors: number; lat: number[] }> {
  dirs.forEach((d, i) => {
    cpSync(d, join(root, 'fashion', String(i + 1)), { recursive: true })
  })
  const gw = await createGateway({ modelsDir: root, log: () => {} })
  const http = await serveGateway(gw, 0)
  try {
    // A gateway without NATS takes endpoint records directly (what the KV watch would apply).
    const now = Date.now()
    const v1 = applyDeploy(undefined, { v: 1, endpoint: 'canary', model: 'fashion', version: 1 }, 1, now)
    gw.endpoints.apply(
      'canary',
      applyDeploy(v1, { v: 1, endpoint: 'canary', model: 'fashion', version: 2, weight: 1 }, 2, now),
    )
    const meta = (await (await fetch(`${http.url}/v2/models/canary`)).json()) as { inputs: { name: string }[] }
    const b = body(meta.inputs[0]!.name)
    const { lat, errors } = await load({ port: http.port, path: '/v2/models/canary/infer', ...b, concurrency })
    return { reqPerS: (s) => lat.length / s, errors, lat }
  } finally {
    await http.close()
    await gw.close()
  }
}

/** A model folder's files, as publishModelVersion takes them. */
export const filesOf = (dir: string) =>
  new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

/** Seconds from starting a gateway to every one of 20 versions behind 5 endpoints READY. */
export async function restartToServing(dirs: string[], tmp: string): Promise<number> {
  mkdirSync(join(tmp, 'nats'), { recursive: true })
  const nats = await startNatsServer({ dir: join(tmp, 'nats'), jetstreamDir: join(tmp, 'nats', 'js') })
  const nc = await connect({ servers: nats.url })
  try {
    const layout = await ensureLayout(nc)
    for (let m = 0; m < 5; m++)
      for (let v = 0; v < 4; v++)
        await publishModelVersion(layout, { model: `m${m}`, files: filesOf(dirs[(m + v) % dirs.length]!) })
    const first = await createGateway({ nc, log: () => {} })
    const client = new EndpointsClient(nc)
    for (let m = 0; m < 5; m++) {
      await client.deploy(`m${m}`, { endpoint: `e${m}`, version: 1 })
      for (let v = 2; v <= 4; v++) await client.deploy(`m${m}`, { endpoint: `e${m}`, version: v, weight: 1 })
    }
    await first.close()
    const started = performance.now()
    const gw = await createGateway({ nc, log: () => {} })
    try {
      for (;;) {
        const list = gw.repo.list()
        if (list.length === 20 && list.every((v) => v.state === 'ready')) break
        if (list.some((v) => v.state === 'failed')) throw new Error('a version failed to load')
        await new Promise((ok) => setTimeout(ok, 20))
      }
      return (performance.now() - started) / 1000
    } finally {
      await gw.close()
    }
  } finally {
    await nc.close()
    await nats.stop()
  }
}
