// Where nats-server is and which version it is. The one copy of this logic: `kiln up` and
// the tests' startNats() both use it.
import { execFileSync } from 'node:child_process'
import { LocalClusterError, LocalFailure } from './errors.js'
import { findNatsServer } from './nats-path.js'

/** Finds nats-server: $KILN_NATS_SERVER, then the copy scripts/setup unpacked, then PATH. */
export function natsServerPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = findNatsServer(env)
  if (!found)
    throw new LocalClusterError(
      LocalFailure.natsMissing,
      'nats-server not found: run `bash scripts/setup` or set KILN_NATS_SERVER',
    )
  return found
}

/** A nats-server version as [major, minor, patch]. */
export type NatsVersion = [number, number, number]

const versions = new Map<string, NatsVersion>()

/** The server's version (`nats-server --version`, cached per binary). */
export function natsServerVersion(bin = natsServerPath()): NatsVersion {
  let v = versions.get(bin)
  if (!v) {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8' })
    const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(out)
    if (!m)
      throw new LocalClusterError(
        LocalFailure.natsVersion,
        `cannot read the version of ${bin} from ${JSON.stringify(out)}`,
      )
    v = [Number(m[1]), Number(m[2]), Number(m[3])]
    versions.set(bin, v)
  }
  return v
}

/** Whether this server accepts `jetstream { sync_interval: always }` (2.10 and later). */
export function supportsSyncAlways(version: NatsVersion): boolean {
  return version[0] > 2 || (version[0] === 2 && version[1] >= 10)
}
