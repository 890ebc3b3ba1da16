import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// Import cycles, type-only imports included: a cycle means two modules cannot be understood
// (or tested, or loaded) one without the other. Every `import`/`export ... from` and
// `import()` of packages/*/src is followed: relative ones between files, `@kiln/*` ones
// between packages.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const packagesDir = join(root, 'packages')
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sources(path))
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]!).filter(Boolean)
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec)
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')]
  return candidates.find((c) => existsSync(c))
}

/** Strongly connected components with more than one member, or a member that imports itself. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return found
}

const files = new Map<string, Set<string>>()
const packages = new Map<string, Set<string>>()
for (const pkg of readdirSync(packagesDir)) {
  const src = join(packagesDir, pkg, 'src')
  if (!existsSync(src)) continue
  const deps = packages.get(pkg) ?? new Set<string>()
  packages.set(pkg, deps)
  for (const file of sources(src)) {
    const edges = new Set<string>()
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec)
        if (target) edges.add(relative(root, target))
      } else if (spec.startsWith('@kiln/')) {
        const name = spec.split('/')[1]!
        if (name !== pkg) deps.add(name)
      }
    }
    files.set(relative(root, file), edges)
  }
}

const test = suite('lint - no import cycles')

test('the reader finds the imports it should (type-only and re-exports too)', () => {
  const leader = files.get('packages/coordinator/src/leader.ts')
  assert.ok(leader?.has('packages/coordinator/src/trial-store.ts'), 'leader.ts imports trial-store.ts')
  assert.ok(packages.get('coordinator')?.has('protocol'))
  assert.ok(files.get('packages/protocol/src/index.ts')?.has('packages/protocol/src/errors.ts'), 're-exports count')
})

test('between the files of each package', () => {
  const found = cycles(files)
  assert.equal(found, [], `cycles:\n${found.map((c) => `  ${c.join(' <-> ')}`).join('\n')}`)
})

test('between packages', () => {
  const found = cycles(packages)
  assert.equal(found, [], `cycles:\n${found.map((c) => `  ${c.join(' <-> ')}`).join('\n')}`)
})

test.run()
