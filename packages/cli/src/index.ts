// @kiln/cli: the kiln command, as functions (bin/kiln.mjs and src/main.ts run it).
export { runCli, mainHelp } from './cli.js'
export { COMMANDS, findCommand } from './commands.js'
export type { Command } from './commands.js'
export { processIo } from './io.js'
export type { CliIo } from './io.js'
export { ExitCode, exitCodeFor } from './exit-codes.js'
export { UsageError } from './usage-error.js'
export { gpuWarning } from './commands/daemons.js'
