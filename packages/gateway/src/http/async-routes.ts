// The async inference routes: `POST /v2/models/{name}[/versions/{v}]/infer-async` answers 202
// with the request's id at once; `GET /v2/async/{id}` answers 202 while it waits, then
// exactly what the synchronous infer call would have (status, headers, body), until the
// result expires (404). `?notify=TOKEN` also publishes the result record on
// `kiln.gateway.results.TOKEN`. async/async-queue.ts does the work.
import type { Context, Hono } from 'hono'
import { NotFoundError, subjectToken } from '@kiln/protocol'
import type { AccessPolicy } from '../auth/access-policy.js'
import type { AsyncQueue } from '../async/async-queue.js'
import type { EndpointTable } from '../endpoints/endpoint-table.js'
import { PayloadTooLargeError } from '../errors.js'
import type { Repository } from '../model/repository.js'
import { parseHeaderLength, parseVersion } from './infer-params.js'

export interface AsyncRouteDeps {
  queue: AsyncQueue
  access: AccessPolicy
  endpoints: EndpointTable
  repo: Repository
  /** The largest body a queued request may carry (the KILN_ASYNC message size, less its envelope). */
  maxBodyBytes: number
}

/** Adds the async routes to `app` (keys on the model routes are checked by the app's middleware). */
export function asyncRoutes(app: Hono, d: AsyncRouteDeps): void {
  const submit = async (c: Context) => {
    const name = c.req.param('name')!
    const version = parseVersion(c.req.param('version'))
    if (!(version === undefined && d.endpoints.get(name)) && !d.repo.hasModel(name))
      throw new NotFoundError('model or endpoint', name)
    const notifyRaw = c.req.query('notify')
    const notify = notifyRaw === undefined ? undefined : subjectToken(notifyRaw, 'notify')
    const headerLength = parseHeaderLength(c.req.header('inference-header-content-length'))
    const body = new Uint8Array(await c.req.arrayBuffer())
    if (body.byteLength > d.maxBodyBytes) throw new PayloadTooLargeError(d.maxBodyBytes)
    const record = await d.queue.submit(
      { name, ...(version !== undefined ? { version } : {}) },
      body,
      headerLength,
      notify,
    )
    const location = `/v2/async/${record.id}`
    return c.json({ id: record.id, state: record.state, result: location }, 202, { location })
  }
  app.post('/v2/models/:name/infer-async', submit)
  app.post('/v2/models/:name/versions/:version/infer-async', submit)

  app.get('/v2/async/:id', async (c) => {
    const id = subjectToken(c.req.param('id'), 'id')
    const record = await d.queue.get(id)
    if (!record) throw new NotFoundError('async request', id)
    // The key that opened the request's model or endpoint opens its result.
    d.access.check(record.name, c.req.header('authorization'))
    if (record.state === 'queued')
      return c.json({ id, state: record.state, ...(record.attempts ? { attempts: record.attempts } : {}) }, 202)
    return new Response(record.body as Uint8Array<ArrayBuffer>, {
      status: record.status ?? 200,
      headers: { ...record.headers, 'kiln-async-state': record.state },
    })
  })
}
