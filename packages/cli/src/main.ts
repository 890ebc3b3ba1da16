// Entry point of the kiln command (`pnpm kiln ...`, bin/kiln.mjs).
import { processIo } from './io.js'
import { runCli } from './cli.js'

// `pnpm kiln` runs in the workspace root; INIT_CWD is where the user typed the command, which
// is what their relative paths mean.
const fromPackageScript = process.env.npm_lifecycle_event === 'kiln' && process.env.INIT_CWD
const cwd = fromPackageScript ? process.env.INIT_CWD! : process.cwd()

process.exitCode = await runCli(process.argv.slice(2), processIo(cwd))
