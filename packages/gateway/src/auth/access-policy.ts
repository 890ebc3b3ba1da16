// Who may call what. A name from a URL (an endpoint, or a model with or without a version)
// is guarded by the gateway-wide keys and by the keys of every endpoint that is called so or
// serves that model: an endpoint's key therefore guards its model on every path (the
// model's own name, version paths, metadata, ready, repository load/unload), not only the
// endpoint's name. Any one of those keys opens it; a name nothing guards is open.
import type { EndpointTable } from '../endpoints/endpoint-table.js'
import { UnauthenticatedError } from '../errors.js'
import { hashAllowed, hashApiKey } from './api-keys.js'

/** Pulls the token out of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m?.[1]
}

/** The key hashes that open each name, kept current with the endpoint table. */
export class AccessPolicy {
  private guards = new Map<string, readonly string[]>()

  constructor(
    private readonly globalHashes: readonly string[],
    endpoints?: EndpointTable,
  ) {
    if (!endpoints) return
    const rebuild = () => {
      const byName = new Map<string, Set<string>>()
      const add = (name: string, keys: readonly string[]) => {
        let set = byName.get(name)
        if (!set) byName.set(name, (set = new Set(globalHashes)))
        for (const k of keys) set.add(k)
      }
      for (const e of endpoints.list()) {
        if (!e.apiKeys?.length) continue
        add(e.name, e.apiKeys)
        for (const v of e.variants) add(v.model, e.apiKeys)
      }
      this.guards = new Map([...byName].map(([name, set]) => [name, [...set]]))
    }
    endpoints.onChange(rebuild)
    rebuild()
  }

  /** The hashes of the keys that open `name` (undefined: the gateway-wide ones); empty: open. */
  keysFor(name?: string): readonly string[] {
    return (name !== undefined ? this.guards.get(name) : undefined) ?? this.globalHashes
  }

  /** Whether `authorization` (the raw header) opens `name`. */
  allows(name: string | undefined, authorization: string | undefined): boolean {
    const keys = this.keysFor(name)
    if (keys.length === 0) return true
    const token = bearerToken(authorization)
    return token !== undefined && hashAllowed(hashApiKey(token), keys)
  }

  /** Throws UnauthenticatedError (401; the key is never echoed) unless `authorization` opens `name`. */
  check(name: string | undefined, authorization: string | undefined): void {
    if (this.allows(name, authorization)) return
    if (authorization === undefined)
      throw new UnauthenticatedError('missing API key: expected an Authorization: Bearer <key> header')
    if (bearerToken(authorization) === undefined)
      throw new UnauthenticatedError('Authorization: expected "Bearer <key>"')
    throw new UnauthenticatedError('API key not accepted')
  }
}
