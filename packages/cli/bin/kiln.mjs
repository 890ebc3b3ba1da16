#!/usr/bin/env node
// The kiln command: the compiled CLI in ../dist (`pnpm build:ts` writes it; scripts/setup runs
// that and links this file onto PATH). No TypeScript is compiled at run time; `pnpm kiln` runs
// the sources under tsx for development.
import { existsSync } from 'node:fs'

const main = new URL('../dist/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('kiln: not built yet (no packages/cli/dist): run `bash scripts/setup` or `pnpm build:ts`\n')
  process.exit(1)
}
await import(main.href)
