// API keys as Hono middleware: every route under a model or endpoint name checks the
// caller's key against the access policy before its handler runs (the fast infer path calls
// the same policy before it reads a body).
import type { MiddlewareHandler } from 'hono'
import type { AccessPolicy } from '../auth/access-policy.js'

/** Refuses (401) a request whose key does not open the route's `:name` (or, without one, the gateway). */
export function requireKey(policy: AccessPolicy): MiddlewareHandler {
  return async (c, next) => {
    policy.check(c.req.param('name'), c.req.header('authorization'))
    await next()
  }
}
