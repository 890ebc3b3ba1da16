// `kiln [--help | --version] <command> [args]`: dispatch only; commands do the work. Help and
// version load nothing else (no protocol, tfjs or addon), so they answer at once.
import { createRequire } from 'node:module'
import { COMMANDS, findCommand } from './commands.js'
import { ExitCode } from './exit-status.js'
import type { CliIo } from './io.js'

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
  -v, --version  print the versions of Kiln, Node, nats-server and the native addon

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
    const { versionReport } = await import('./version.js')
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string }
    io.stdout.write(await versionReport(pkg.version, io.env, argv.includes('--json')))
    return ExitCode.ok
  }
  const command = findCommand(first)
  if (command === undefined) {
    const [{ didYouMean }, { reportError }, { UsageError }] = await Promise.all([
      import('@kiln/protocol'),
      import('./report-error.js'),
      import('./usage-error.js'),
    ])
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
