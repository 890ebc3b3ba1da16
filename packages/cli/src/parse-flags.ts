// node:util parseArgs, with its errors reworded for people: which flag, what was expected,
// and the closest known flag for a typo.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { didYouMean } from '@kiln/protocol'
import { UsageError } from './usage-error.js'

type Options = NonNullable<ParseArgsConfig['options']>
type Config<T extends Options> = { args: string[]; options: T; strict: true; allowPositionals: true }
/** parseArgs' result for a given set of flags. */
export type ParsedFlags<T extends Options> = ReturnType<typeof parseArgs<Config<T>>>

/** Parses a command's flags strictly; UsageError (exit 2) on anything it does not know. `command` is for the help hint. */
export function parseFlags<T extends Options>(command: string, argv: string[], options: T): ParsedFlags<T> {
  const config: Config<T> = { args: argv, options, strict: true, allowPositionals: true }
  try {
    return parseArgs(config)
  } catch (err) {
    throw toUsageError(command, err, options)
  }
}

function toUsageError(command: string, err: unknown, options: Options): unknown {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  if (!code.startsWith('ERR_PARSE_ARGS_')) return err
  const message = (err as Error).message
  const help = `(see ${command} --help)`
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message
    const known = Object.keys(options).map((name) => `--${name}`)
    const guess = didYouMean(flag.replace(/=.*$/, ''), known)
    const hint = guess ? `; did you mean ${guess}?` : `; expected one of ${known.join(', ')}`
    return new UsageError(`unknown option ${flag}${hint} ${help}`)
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[A-Za-z-]+/.exec(message)?.[0] ?? 'an option'
    return new UsageError(
      message.includes('does not take an argument')
        ? `${flag} takes no value ${help}`
        : `${flag} expected a value ${help}`,
    )
  }
  return new UsageError(`${message} ${help}`)
}
