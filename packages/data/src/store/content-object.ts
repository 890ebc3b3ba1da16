// Content-addressed objects in a JetStream object store, and a local cache of them keyed by
// their sha256: datasets and trial-code bundles both travel this way. Nothing read from the
// network or from the cache is trusted until its hash matches the address.
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ObjectStore } from '@nats-io/obj'
import { ErrorCode, KilnError, NotFoundError } from '@kiln/protocol'
import { IntegrityError } from './integrity-error.js'

/** sha256 of bytes, lower-case hex: the address of content. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

// The object store keeps "SHA-256=<base64url>" of each object; as hex it can be compared
// with an address.
function digestHex(digest: string): string | undefined {
  return digest.startsWith('SHA-256=') ? Buffer.from(digest.slice(8), 'base64url').toString('hex') : undefined
}

/**
 * Stores `bytes` (whose sha256 is `sha`) as object `name`, unless the store already holds
 * exactly that content there. Returns whether it uploaded.
 */
export async function putContent(
  store: ObjectStore,
  name: string,
  bytes: Uint8Array,
  sha: string,
  description?: string,
): Promise<boolean> {
  const info = await store.info(name)
  if (info && !info.deleted && info.size === bytes.length && digestHex(info.digest) === sha) return false
  await store.putBlob({ name, ...(description ? { description } : {}) }, bytes)
  return true
}

async function download(store: ObjectStore, name: string, sha: string): Promise<Uint8Array> {
  // A link would be followed into another store (nats.js resolves it): content is only ever
  // stored here under its own address, so a link is somebody else's doing.
  const link = (await store.info(name))?.options?.link
  if (link)
    throw new KilnError(
      ErrorCode.permissionDenied,
      `${name}: an object-store link (to ${String(link.bucket).slice(0, 64)}/${String(link.name ?? '').slice(0, 200)}), not content: refused`,
    )
  const result = await store.get(name)
  if (result === null) throw new NotFoundError('object', name)
  const hash = createHash('sha256')
  const chunks: Uint8Array[] = []
  for await (const chunk of result.data) {
    hash.update(chunk)
    chunks.push(chunk)
  }
  const err = await result.error
  if (err) throw err
  const got = hash.digest('hex')
  if (got !== sha) throw new IntegrityError(name, sha, got)
  return Buffer.concat(chunks)
}

/** The bytes of cache file `path` when they hash to `sha`; undefined when missing or not. */
export async function readVerified(path: string, sha: string): Promise<Uint8Array | undefined> {
  const bytes = await readFile(path).catch(() => undefined)
  return bytes && sha256Hex(bytes) === sha ? bytes : undefined
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  // A reader (this process or another worker sharing the cache) sees the old file or the
  // whole new one, never a half-written one.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temp, bytes)
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

const inFlight = new Map<string, Promise<Uint8Array>>()

/**
 * The bytes of object `name`, whose sha256 must be `sha`, through the cache file `path`: a
 * cached copy is used when its hash matches, otherwise (missing, corrupt, truncated) the
 * object is downloaded, verified and written atomically. Concurrent calls for the same path
 * in one process share one download.
 */
export function fetchContent(store: ObjectStore, name: string, sha: string, path: string): Promise<Uint8Array> {
  let pending = inFlight.get(path)
  if (!pending) {
    pending = (async () => {
      const cached = await readVerified(path, sha)
      if (cached) return cached
      const bytes = await download(store, name, sha)
      await writeAtomically(path, bytes)
      return bytes
    })().finally(() => inFlight.delete(path))
    inFlight.set(path, pending)
  }
  return pending
}
