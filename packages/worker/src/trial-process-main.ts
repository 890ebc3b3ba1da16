// The entry of a script trial's own process (started by trial-process.ts, inside its
// sandbox): it waits for its task on the IPC channel, runs it as a thread would, with the
// channel as its port and its collective relayed by the agent, reports how it ended, exits.
import { toWire } from '@kiln/protocol'
import { ipcJoin } from './ipc-collective.js'
import type { FromProcess, ToProcess } from './process-messages.js'
import type { ToThread, TrialPort } from './thread-messages.js'
import { runTrial } from './trial-thread.js'

// Started by warmTrialCode: importing this module was the point.
if (process.argv.includes('--warm')) process.exit(0)

const send = (m: FromProcess) => new Promise<void>((ok) => process.send?.(m, undefined, {}, () => ok()) ?? ok())

const portListeners: Array<(m: ToThread) => void> = []
const collectiveListeners: Array<(m: Extract<ToProcess, { type: 'collective-done' }>) => void> = []
const port: TrialPort = {
  on: (_event, listener) => portListeners.push(listener),
  postMessage: (m) => void send(m),
  close: () => undefined,
}

// What the trial prints goes to the agent over the IPC channel, in order (stdout and stderr
// are two pipes, which would interleave at random); anything written past console still
// reaches the pipes, which the agent reads too.
for (const stream of ['stdout', 'stderr'] as const) {
  process[stream].write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    void send({ type: 'output', stream, text })
    const done = typeof encoding === 'function' ? encoding : callback
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)())
    return true
  }) as typeof process.stdout.write
}

process.on('message', (m: ToProcess) => {
  if (m.type === 'task') {
    void run(m.task)
    return
  }
  if (m.type === 'collective-done') for (const l of collectiveListeners) l(m)
  else for (const l of portListeners) l(m)
})
// The agent is gone: nothing this process does can be reported any more.
process.on('disconnect', () => process.exit(1))

async function run(task: Extract<ToProcess, { type: 'task' }>['task']): Promise<void> {
  let code = 0
  try {
    const join = ipcJoin(
      (m) => void send(m),
      (fn) => collectiveListeners.push(fn),
    )
    const outcome = await runTrial({ ...task, port }, join)
    await send({ type: 'outcome', outcome })
  } catch (err) {
    code = 1
    await send({ type: 'failed', error: toWire(err) })
  }
  // tfjs and the addon keep handles open: leave at once, the outcome is delivered.
  process.exit(code)
}
