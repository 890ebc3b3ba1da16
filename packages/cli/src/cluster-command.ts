// The shape every cluster command shares: parse flags (with the connection flags), connect,
// run, report errors the same way, close the connection.
import type { NatsConnection } from '@nats-io/transport-node'
import type { CliIo } from './io.js'
import { ExitCode } from './exit-codes.js'
import { parseFlags, type ParsedFlags } from './parse-flags.js'
import { reportError } from './report-error.js'
import { UsageError } from './usage-error.js'
import { CONNECTION_FLAGS, connectFromFlags, type ConnectionRole } from './cluster-connect.js'

type Options = Parameters<typeof parseFlags>[2]

// biome-ignore lint/suspicious/noConfusingVoidType: most commands print and end without a return; ExitCode.ok is then implied
type CommandResult = ExitCode | void

export interface ClusterCommandSpec<T extends Options> {
  name: string
  help: string
  flags: T
  role?: ConnectionRole
  /** Positional arguments: exact count, or [min, max]. */
  positionals?: number | [number, number]
  run(ctx: {
    nc: NatsConnection
    flags: ParsedFlags<T & typeof CONNECTION_FLAGS>['values']
    args: string[]
    io: CliIo
  }): Promise<CommandResult>
}

/** Runs a cluster command from argv. */
export async function runClusterCommand<T extends Options>(
  spec: ClusterCommandSpec<T>,
  argv: string[],
  io: CliIo,
): Promise<number> {
  let json = argv.includes('--json')
  let nc: NatsConnection | undefined
  try {
    const parsed = parseFlags(spec.name, argv, {
      ...spec.flags,
      ...CONNECTION_FLAGS,
      help: { type: 'boolean', short: 'h' },
    } as T & typeof CONNECTION_FLAGS)
    const values = parsed.values as Record<string, unknown>
    json = values.json === true
    if (values.help) {
      io.stdout.write(spec.help)
      return ExitCode.ok
    }
    const [min, max] =
      typeof spec.positionals === 'number' ? [spec.positionals, spec.positionals] : (spec.positionals ?? [0, 0])
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        `${spec.name}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${parsed.positionals.length} (see ${spec.name} --help)`,
      )
    }
    nc = await connectFromFlags(values as never, io, spec.role ?? 'client')
    return (await spec.run({ nc, flags: parsed.values as never, args: parsed.positionals, io })) ?? ExitCode.ok
  } catch (err) {
    return reportError(err, io, { command: spec.name, json })
  } finally {
    await nc?.close().catch(() => undefined)
  }
}
