// The command table: `kiln <name>`. Commands load lazily, so `kiln --help` does not pay for
// TensorFlow.js and the native addon. Future commands (submit, sweep, up, worker, deploy,
// ...) are one entry each.
import type { CliIo } from './io.js'

export interface Command {
  name: string
  /** One line for `kiln --help`. */
  summary: string
  usage: string
  run(argv: string[], io: CliIo): Promise<number>
}

/** Every command, in the order `kiln --help` lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: 'train',
    summary: 'train a model on this machine from a job spec (YAML or JSON)',
    usage: 'kiln train SPEC [--out DIR] [--set KEY=VALUE ...] [--json]',
    run: async (argv, io) => (await import('./commands/train.js')).trainCommand(argv, io),
  },
]

/** The command called `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name)
}
