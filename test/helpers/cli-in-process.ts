// Runs a kiln command in this process (no child, no tsx start-up): its exit code and what it
// printed. For suites that call many quick commands against one test cluster.
import { Writable } from 'node:stream'
import { runCli, type CliIo } from '@kiln/cli'

function sink(): Writable & { text: () => string } {
  let text = ''
  const w = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk)
      done()
    },
  })
  return Object.assign(w, { text: () => text })
}

/** `kiln ...args` in `cwd` with `--nats url` appended; exit code, stdout and stderr. */
export async function kilnInProcess(
  args: string[],
  cwd: string,
  natsUrl: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink()
  const stderr = sink()
  const io: CliIo = { stdout, stderr, env: {}, cwd, onInterrupt: () => () => {} }
  const code = await runCli([...args, '--nats', natsUrl], io)
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}
