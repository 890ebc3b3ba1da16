#!/usr/bin/env node
// The kiln command. Runs src/main.ts under tsx with the kiln-src condition, so workspace
// packages load from their TypeScript sources (no build step), exactly like `pnpm kiln`.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const tsx = import.meta.resolve('tsx')
const child = spawn(process.execPath, ['--conditions=kiln-src', '--import', tsx, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
// Ctrl-C reaches the child through the terminal's process group; the wrapper just waits.
process.on('SIGINT', () => {})
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal)
  else process.exit(code ?? 1)
})
