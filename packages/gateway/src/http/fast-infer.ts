// The infer routes straight on node:http, in front of Hono: no Web Request, ReadableStream,
// AbortSignal or Headers per request (building them cost more CPU than the rest of the
// request path together in a `node --cpu-prof` run of scripts/bench/gateway.ts). The body is
// read into one buffer of its Content-Length. Same checks, same order and same error answers
// as the Hono routes, which still serve every other route (and infer for app.fetch callers):
// the API key (the access policy requireKey applies), then the byte budget, then the body.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { AccessPolicy } from '../auth/access-policy.js'
import type { ByteBudget } from '../batch/byte-budget.js'
import { PayloadTooLargeError } from '../errors.js'
import type { InferenceService } from '../inference.js'
import { parseHeaderLength, parseVersion, requestBytes } from './infer-params.js'
import { errorReply, type ErrorLog } from './on-error.js'

export interface FastInferDeps {
  inference: InferenceService
  access: AccessPolicy
  budget: ByteBudget
  maxBodyBytes: number
  logError: ErrorLog
}

// As Hono's `/v2/models/:name[/versions/:version]/infer` (a query string is ignored).
const ROUTE = /^\/v2\/models\/([^/?#]+)(?:\/versions\/([^/?#]+))?\/infer(?:\?.*)?$/

function param(raw: string): string {
  if (!raw.includes('%')) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** Reads the whole body, refusing more than `max` bytes (declared or sent). */
function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const declared =
    req.headers['transfer-encoding'] === undefined ? Number(req.headers['content-length'] ?? 0) : Number.NaN
  if (declared > max) return Promise.reject(new PayloadTooLargeError(max))
  return new Promise((resolve, reject) => {
    const sized = Number.isInteger(declared) && declared >= 0
    let body = new Uint8Array(sized ? declared : 0)
    const chunks: Uint8Array[] = []
    let at = 0
    req.on('data', (chunk: Buffer) => {
      if (at < 0) return
      if (at + chunk.byteLength > max || (sized && at + chunk.byteLength > declared)) {
        at = -1
        reject(new PayloadTooLargeError(max))
        return
      }
      if (sized) body.set(chunk, at)
      else chunks.push(chunk)
      at += chunk.byteLength
    })
    req.once('end', () => {
      if (at < 0) return
      if (!sized) body = Buffer.concat(chunks, at)
      resolve(sized && at < declared ? body.subarray(0, at) : body)
    })
    req.once('error', reject)
  })
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Uint8Array | string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, {
    ...headers,
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
  })
  res.end(body)
}

async function serveInfer(
  d: FastInferDeps,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  version: string | undefined,
): Promise<void> {
  let release: (() => void) | undefined
  try {
    d.access.check(param(name), req.headers.authorization)
    const reserve = requestBytes(
      req.headers['content-length'],
      req.headers['transfer-encoding'],
      Math.min(d.maxBodyBytes, d.budget.limitBytes),
    )
    release = d.budget.admit(reserve)
    const body = await readBody(req, reserve)
    const v = parseVersion(version === undefined ? undefined : param(version))
    const target = { name: param(name), ...(v !== undefined ? { version: v } : {}) }
    const headerLength = parseHeaderLength(req.headers['inference-header-content-length'] as string | undefined)
    const out = await d.inference.infer(target, body, headerLength)
    release()
    send(res, 200, out.headers, out.body)
  } catch (err) {
    release?.()
    if (res.destroyed) return // the client went away (an aborted body is no server error)
    const { status, headers, body } = errorReply(err, d.logError)
    send(res, status, headers, body)
  }
}

/** Wraps Hono's request listener: infer requests go the fast way, the rest to `next`. */
export function fastInferListener(d: FastInferDeps, next: RequestListener): RequestListener {
  return (req, res) => {
    const m = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null
    if (!m) return next(req, res)
    void serveInfer(d, req, res, m[1]!, m[2])
  }
}
