// Where nats-server may be, with no other imports: `kiln --version` reads it without loading
// the rest of @kiln/local (and its protocol, zod and nats dependencies). natsServerPath uses it.
import { accessSync, constants } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// packages/local/{src,dist}/nats-path.* → the repository root, where scripts/setup unpacks .tools/.
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..')

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** $KILN_NATS_SERVER as given, else the first executable of: setup's copy, PATH, Debian's sbin. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.KILN_NATS_SERVER) return env.KILN_NATS_SERVER
  // Debian ships it in sbin, which a non-root PATH often lacks.
  return [
    join(repoRoot, '.tools/nats/usr/sbin/nats-server'),
    join(repoRoot, '.tools/nats/usr/bin/nats-server'),
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'nats-server')),
    '/usr/sbin/nats-server',
    '/usr/local/sbin/nats-server',
  ].find(executable)
}
