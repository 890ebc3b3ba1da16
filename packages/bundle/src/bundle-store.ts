// Bundles in the kiln_bundles object store, one object per bundle named by its sha256, and
// on workers as `<cacheDir>/bundles/<id>.mjs`, next to a node_modules of the packages the
// worker provides (link-externals.ts).
import { dirname, resolve } from 'node:path'
import type { ObjectStore } from '@nats-io/obj'
import { ValidationError } from '@kiln/protocol'
import { fetchContent, putContent, sha256Hex } from '@kiln/data'
import type { TrialBundle } from './bundle-script.js'
import { linkExternals } from './link-externals.js'
import { readManifest } from './manifest.js'

const ID = /^[0-9a-f]{64}$/

/** Stores a bundle under its id unless it is there already; returns the id. */
export async function uploadBundle(
  store: ObjectStore,
  bundle: Pick<TrialBundle, 'bytes' | 'id' | 'entry'>,
): Promise<string> {
  // Checked here, not trusted: a wrong id would poison every worker's cache of that id.
  const id = sha256Hex(bundle.bytes)
  if (bundle.id !== id)
    throw new ValidationError('bundle.id', `the sha256 of bundle.bytes (${id})`, {
      got: String(bundle.id).slice(0, 64),
    })
  readManifest(bundle.bytes, `bundle ${id.slice(0, 12)}`)
  await putContent(store, id, bundle.bytes, id, `kiln trial bundle of ${bundle.entry}`)
  return id
}

export interface FetchBundleOptions {
  /**
   * Files, folders or file URLs from which this process resolves the packages a bundle
   * imports (@tensorflow/tfjs, @kiln/train, ...); a worker passes where @kiln/train is.
   * Default: the main script's folder, then the working directory.
   */
  resolveFrom?: readonly string[]
}

/**
 * Makes bundle `id` importable on this node and returns the path of its .mjs file: cached
 * by hash (verified on download and on every call; a corrupt file is fetched again), with
 * its imports of tfjs and Kiln resolving to this process's own packages.
 */
export async function fetchBundle(
  store: ObjectStore,
  id: string,
  cacheDir: string,
  options: FetchBundleOptions = {},
): Promise<string> {
  if (typeof id !== 'string' || !ID.test(id))
    throw new ValidationError('bundle', 'a bundle id (64 hex digits)', { got: JSON.stringify(String(id).slice(0, 70)) })
  const path = resolve(cacheDir, 'bundles', `${id}.mjs`)
  const bytes = await fetchContent(store, id, id, path)
  const { externals } = readManifest(bytes, `bundle ${id.slice(0, 12)}`)
  const from = options.resolveFrom ?? [...(process.argv[1] ? [dirname(process.argv[1])] : []), process.cwd()]
  await linkExternals(dirname(path), externals, from, `bundle ${id.slice(0, 12)}`)
  return path
}
