import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// Kiln speaks NATS through the maintained @nats-io/* 3.x packages only. The legacy `nats`
// 2.x package is another client with other error types, codecs and JetStream views: code
// that imported it again would mix two clients' connections and errors.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SKIP = new Set(['node_modules', 'dist', 'build', '.tools', '.kiln', '.git'])
const LEGACY = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]nats(?:\/[^'"]*)?['"]/m

function sources(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sources(path))
    else if (/\.(?:[cm]?[jt]sx?)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

function manifests(): string[] {
  const packages = join(root, 'packages')
  return [join(root, 'package.json'), ...readdirSync(packages).map((p) => join(packages, p, 'package.json'))].filter(
    (p) => existsSync(p),
  )
}

const lint = suite('lint - the NATS client is @nats-io/* 3.x')

lint('no source, test or script imports the legacy `nats` package', () => {
  const files = ['packages', 'test', 'scripts'].flatMap((d) => sources(join(root, d)))
  assert.ok(files.length > 100, `found only ${files.length} files: is the scan looking in the right place?`)
  const offenders = files.filter((f) => LEGACY.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f))
  assert.equal(
    offenders,
    [],
    `import from '@nats-io/transport-node' (or jetstream, kv, obj) instead: ${offenders.join(', ')}`,
  )
})

lint('no package.json depends on the legacy `nats` package', () => {
  const offenders = manifests().filter((p) => {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Record<string, Record<string, string> | undefined>
    return ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].some(
      (k) => m[k]?.nats !== undefined,
    )
  })
  assert.equal(
    offenders.map((p) => relative(root, p)),
    [],
  )
})

lint.run()
