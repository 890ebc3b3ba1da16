// `kiln [--help | --version] <command> [args]`: dispatch only; commands do the work.
import { createRequire } from 'node:module'
import { didYouMean } from '@kiln/train'
import { COMMANDS, findCommand } from './commands.js'
import { ExitCode } from './exit-codes.js'
import type { CliIo } from './io.js'
import { reportError } from './report-error.js'
import { UsageError } from './usage-error.js'

const pkg = createRequire(import.meta.url)('../package.json') as { version: string }

/** The top-level help text. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  const commands = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')
  return `kiln: train, tune, deploy and monitor models on machines you own

Usage: kiln <command> [options]

Commands:
${commands}

Options:
  -h, --help     show this help; kiln <command> --help shows a command's options
  -v, --version  print the version

Usage per command:
${COMMANDS.map((c) => `  ${c.usage}`).join('\n')}
`
}

/** Runs the kiln command line; returns the exit status (it never calls process.exit itself). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    if (first === 'help' && rest[0] && findCommand(rest[0])) return findCommand(rest[0])!.run(['--help'], io)
    io.stdout.write(mainHelp())
    // Bare `kiln` is a usage error (scripts should say what they want), but still helps.
    return first === undefined ? ExitCode.badInput : ExitCode.ok
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`kiln ${pkg.version}\n`)
    return ExitCode.ok
  }
  const command = findCommand(first)
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name)
    const guess = first.startsWith('-') ? undefined : didYouMean(first, names)
    const what = first.startsWith('-') ? `unknown option ${first}` : `unknown command ${JSON.stringify(first)}`
    const hint = guess ? `; did you mean "${guess}"?` : `; commands: ${names.join(', ')}`
    return reportError(new UsageError(`${what}${hint} (see kiln --help)`), io, {
      command: 'kiln',
      json: argv.includes('--json'),
    })
  }
  return command.run(rest, io)
}
