// Liveness and stopping of processes by pid, including ones an earlier `kiln up` started
// (they are not our children then, so there is no exit event to wait for: we poll).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'

function procText(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Whether `pid` is running and, where /proc exists, is still the program we started:
 * its command line contains `marker`. This keeps `kiln down` from signalling an unrelated
 * process that reused a pid after a reboot. Zombies count as gone.
 */
export function pidAlive(pid: number, marker?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = procText(pid, 'stat')
  if (stat === undefined) return process.platform !== 'linux'
  if (/^\d+ \(.*\) Z/s.test(stat)) return false
  if (marker === undefined) return true
  return (procText(pid, 'cmdline') ?? '').includes(marker)
}

// Our processes are started in their own process group (detached), so signalling the group
// reaches anything they started too; fall back to the pid alone.
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig)
  } catch {
    try {
      process.kill(pid, sig)
    } catch {
      /* already gone */
    }
  }
}

async function gone(pid: number, marker: string | undefined, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (!pidAlive(pid, marker)) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return !pidAlive(pid, marker)
}

/** How a stop ended. */
export type StopResult = 'not running' | 'stopped' | 'killed'

/** SIGTERM, up to `graceMs` to exit (a worker drains in that time), then SIGKILL. */
export async function stopPid(pid: number, marker: string | undefined, graceMs: number): Promise<StopResult> {
  if (!pidAlive(pid, marker)) return 'not running'
  signal(pid, 'SIGTERM')
  if (await gone(pid, marker, graceMs)) return 'stopped'
  signal(pid, 'SIGKILL')
  await gone(pid, marker, 5000)
  return 'killed'
}

/** The last `bytes` of a text file ('' if there is none): the end of a log for an error message. */
export function tailFile(file: string, bytes = 4000): string {
  try {
    const size = statSync(file).size
    const start = Math.max(0, size - bytes)
    const fd = openSync(file, 'r')
    try {
      const buf = Buffer.alloc(size - start)
      readSync(fd, buf, 0, buf.length, start)
      return buf.toString('utf8')
    } finally {
      closeSync(fd)
    }
  } catch {
    return ''
  }
}
