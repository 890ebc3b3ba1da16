// One `kiln up` or `kiln down` at a time per .kiln folder: two at once would both start
// (or stop) a cluster and overwrite each other's cluster.json.
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { LocalClusterError, LocalFailure } from './errors.js'
import { pidAlive } from './process-control.js'

/** Takes `<dir>/lock`; returns the function that releases it. A lock whose holder died is taken over. */
export function lockDir(dir: string, what: string): () => void {
  const file = join(dir, 'lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      writeSync(fd, `${process.pid} ${what}\n`)
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const [pid, holder] = readFileSync(file, 'utf8').trim().split(' ')
      if (pidAlive(Number(pid)) && Number(pid) !== process.pid) {
        throw new LocalClusterError(
          LocalFailure.locked,
          `another kiln ${holder ?? 'command'} (pid ${pid}) is working on ${dir}; wait for it to finish`,
        )
      }
      rmSync(file, { force: true })
    }
  }
  throw new LocalClusterError(LocalFailure.locked, `cannot lock ${dir}`)
}
