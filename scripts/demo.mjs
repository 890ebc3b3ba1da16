#!/usr/bin/env node
// `npm run demo` (after scripts/setup): the whole Kiln lifecycle on this machine; see
// scripts/demo/main.ts. The kernel benchmark table this used to print is `npm run bench:kernels`.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = spawnSync(
  process.execPath,
  ['--conditions=kiln-src', '--import', 'tsx', join(root, 'scripts', 'demo', 'main.ts'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
)
process.exit(run.status ?? 1)
