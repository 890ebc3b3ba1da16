// The frame `kiln up`, `down` and `status` share: strict flags, --help, no positionals,
// errors reported the same way (--json as an error event).
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { parseFlags, type ParsedFlags } from '../parse-flags.js'
import { reportError } from '../report-error.js'
import { UsageError } from '../usage-error.js'

type Options = Parameters<typeof parseFlags>[2]
const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const

/** Parses `argv` against `flags` (plus --json and --help) and runs `run`; returns the exit status. */
export async function runLocalCommand<T extends Options>(
  name: string,
  help: string,
  flags: T,
  argv: string[],
  io: CliIo,
  run: (values: ParsedFlags<T & typeof COMMON>['values'], json: boolean) => Promise<number>,
): Promise<number> {
  const json = argv.includes('--json')
  try {
    const { values, positionals } = parseFlags(name, argv, { ...flags, ...COMMON } as T & typeof COMMON)
    if ((values as { help?: boolean }).help) {
      io.stdout.write(help)
      return ExitCode.ok
    }
    if (positionals.length)
      throw new UsageError(
        `${name} takes no arguments, got ${positionals.map((p) => JSON.stringify(p)).join(', ')} (see ${name} --help)`,
      )
    return await run(values, json)
  } catch (err) {
    return reportError(err, io, { command: name, json })
  }
}
