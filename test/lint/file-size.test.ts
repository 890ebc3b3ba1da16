import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// DESIGN.md: one concept per file, most under 150 lines and none over 400. A file that grows
// past it holds more than one concept: split it by concept, not by line count.
const MAX_LINES = 400
const size = suite('lint - file size')
const root = join(import.meta.dirname, '../..')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path)
    return /\.(tsx?|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

size(`no source file in packages/ or scripts/ is over ${MAX_LINES} lines`, () => {
  const files = [...sources(join(root, 'packages')), ...sources(join(root, 'scripts'))]
  assert.ok(files.length > 100, `found the sources (${files.length})`)
  const over = files
    .map((file) => ({ file: relative(root, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.file} (${f.lines})`)
  assert.equal(over, [], `over ${MAX_LINES} lines: ${over.join(', ')}`)
})

size.run()
