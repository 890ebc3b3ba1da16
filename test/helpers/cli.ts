// Runs the kiln command in this process (runCli, the code bin/kiln runs) with captured
// output: cluster tests call many short commands, and a child process each would cost
// seconds on a loaded machine.
import { Writable } from 'node:stream'
import { runCli } from '@kiln/cli'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk)
      done()
    },
  }) as Writable & { text: string }
  w.text = ''
  return w
}

/**
 * `kiln ...argv` run in `cwd` with `env` (default: no KILN_* from the test's environment);
 * `tty` makes stdout a terminal of that many columns.
 */
export async function cli(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  tty?: { columns: number },
): Promise<CliRun> {
  const stdout = Object.assign(sink(), tty ? { isTTY: true, columns: tty.columns } : {})
  const stderr = sink()
  const code = await runCli(argv, { stdout, stderr, env, cwd, onInterrupt: () => () => {} })
  return { code, stdout: stdout.text, stderr: stderr.text }
}
