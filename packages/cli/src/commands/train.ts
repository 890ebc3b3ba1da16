// `kiln train SPEC`: parse flags, read the spec, train locally, print progress.
import { existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { MODEL_JSON, parseOverride, readSpecFile, trainLocal, type SpecOverrides } from '@kiln/train'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { parseFlags } from '../parse-flags.js'
import { reportError } from '../report-error.js'
import { humanPrinter, jsonPrinter } from '../train-printer.js'
import { UsageError } from '../usage-error.js'

/** `kiln train --help`. */
export const TRAIN_HELP = `Usage: kiln train SPEC [options]

Trains the model that the job spec SPEC (YAML or JSON) describes on this machine, evaluates
it on the test set and saves it: TF.js model.json and weight files, plus kiln-model.json
(metrics, hyperparameters, dataset fingerprint, input statistics).

Options:
  -o, --out DIR        where to save the model (default: ./models/<spec name>)
      --force          replace the model already in that folder (else refused, exit 2)
  -s, --set KEY=VALUE  override a spec value by its dotted path; repeatable; the value is
                       read as YAML, so 2, 1e-3, [64, 32] and true keep their types
                       e.g. --set training.epochs=2 --set optimizer.learningRate=3e-4
      --json           print one JSON object per line (events start, epoch, log, done,
                       error) instead of text
  -h, --help           show this help

Relative dataset and script paths in the spec count from the spec file's directory.
Ctrl-C stops after the current batch (nothing is saved); press it twice to quit at once.

Exit status: 0 trained and saved, 2 bad flags, spec, dataset or script, 130 stopped,
1 anything else.

Example:
  kiln train examples/quick-mlp.yaml --set training.epochs=1 --out /tmp/quick
`

const FLAGS = {
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  set: { type: 'string', short: 's', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function overridesFrom(flags: readonly string[]): SpecOverrides {
  const overrides: Record<string, unknown> = {}
  for (const flag of flags) {
    const [key, value] = parseOverride(flag)
    overrides[key] = value
  }
  return overrides
}

/** Runs `kiln train` with the arguments after the command name; returns the exit status. */
export async function trainCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json')
  try {
    const { values, positionals } = parseFlags('kiln train', argv, FLAGS)
    if (values.help) {
      io.stdout.write(TRAIN_HELP)
      return ExitCode.ok
    }
    if (positionals.length !== 1) {
      const got = positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(', ')
      throw new UsageError(`expected one spec file (kiln train SPEC), got ${got} (see kiln train --help)`)
    }
    const file = await readSpecFile(resolve(io.cwd, positionals[0]!), overridesFrom(values.set ?? []))
    const outDir = values.out !== undefined ? resolve(io.cwd, values.out) : join(io.cwd, 'models', file.spec.name)
    // Before any work: a model trained earlier is not replaced unless asked.
    if (!values.force && existsSync(join(outDir, MODEL_JSON))) {
      const shown = relative(io.cwd, outDir) || '.'
      throw new UsageError(
        `${shown} already holds a model (from an earlier run); --force replaces it, --out DIR saves this one elsewhere`,
      )
    }
    const printer = json ? jsonPrinter(io) : humanPrinter(io, io.stdout.isTTY === true)

    const controller = new AbortController()
    const unsubscribe = io.onInterrupt(() => {
      if (controller.signal.aborted) process.exit(ExitCode.interrupted)
      controller.abort()
      printer.note('stopping after the current batch (Ctrl-C again to quit now)')
    })
    try {
      const result = await trainLocal(file.spec, {
        outDir,
        baseDir: file.baseDir,
        signal: controller.signal,
        onStart: (e) => printer.start(e),
        onEpoch: (e) => printer.epoch(e),
        ...(printer.batch ? { onBatch: printer.batch } : {}),
        log: (r) => printer.log(r),
      })
      printer.done(result)
      return ExitCode.ok
    } finally {
      unsubscribe()
    }
  } catch (err) {
    return reportError(err, io, { command: 'kiln train', json })
  }
}
