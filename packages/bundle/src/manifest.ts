// A bundle describes itself in its first line, so the bytes that are hashed, stored and
// cached are all there is: `// kiln-bundle/1 {"entry":"trial.ts","externals":[...]}`.
// A comment, so the file is still plain JavaScript that node imports as it is.
import { BundleError } from './errors.js'

/** What the first line of a bundle says about it. */
export interface BundleManifest {
  /** File name of the script it was built from, for messages. */
  entry: string
  /** Packages it imports at run time, provided by the node that runs it (sorted). */
  externals: string[]
}

const PREFIX = '// kiln-bundle/1 '
const PACKAGE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/

/** The manifest line, newline included. */
export function manifestLine(manifest: BundleManifest): string {
  return `${PREFIX}${JSON.stringify({ entry: manifest.entry, externals: manifest.externals })}\n`
}

/** Reads and checks the manifest line of a bundle; `subject` names the bundle in errors. */
export function readManifest(bytes: Uint8Array, subject: string): BundleManifest {
  const end = bytes.indexOf(0x0a)
  const line = new TextDecoder().decode(bytes.subarray(0, end < 0 ? Math.min(bytes.length, 200) : end))
  let value: unknown
  try {
    if (!line.startsWith(PREFIX)) throw new Error('no manifest line')
    value = JSON.parse(line.slice(PREFIX.length))
  } catch {
    throw new BundleError(
      subject,
      `expected a Kiln bundle starting with "${PREFIX.trim()} {...}", got ${JSON.stringify(line.slice(0, 40))}`,
    )
  }
  const m = value as Partial<BundleManifest>
  if (
    typeof m.entry !== 'string' ||
    !Array.isArray(m.externals) ||
    !m.externals.every((e) => typeof e === 'string' && PACKAGE.test(e))
  ) {
    throw new BundleError(subject, 'expected a manifest {entry: string, externals: package names}')
  }
  return { entry: m.entry, externals: m.externals }
}

/** The package a bare import names: `@tensorflow/tfjs/dist/x.js` -> `@tensorflow/tfjs`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}
