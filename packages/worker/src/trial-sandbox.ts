// How a script trial's process is confined (docs/security.md says what holds in each case):
//   bwrap  bubblewrap: new user, mount, pid, network, IPC and UTS namespaces; only the system
//          libraries, Kiln's own code and the trial's inputs are visible (read-only), its
//          working folder and /tmp are empty tmpfs, no network at all. When the worker runs
//          as root the process is also another OS user (nobody) before bwrap starts.
//   user   the worker runs as root but bubblewrap is missing or refused: the trial runs as
//          another OS user (nobody), which cannot read the worker's 0600 credentials.
//   none   neither: only the environment is scrubbed and the working folder is empty; the
//          trial could read what the worker's user can. The worker says so when it starts.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ValidationError } from '@kiln/protocol'

export const SandboxMode = { bwrap: 'bwrap', user: 'user', none: 'none' } as const
export type SandboxMode = (typeof SandboxMode)[keyof typeof SandboxMode]

/** What the worker chose at start: the mode, and whose uid trials run as (root workers only). */
export interface SandboxPlan {
  mode: SandboxMode
  bwrap?: string
  uid?: number
  gid?: number
}

// packages/worker/{src,dist}/ → the Kiln installation, whose code the trial process runs.
const KILN_ROOT = resolve(fileURLToPath(import.meta.url), '../../../..')

// Where `bwrap` is on this PATH, as the shell finds it.
function findBwrap(env: NodeJS.ProcessEnv): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v bwrap'], {
    env: { PATH: `${env.PATH ?? ''}:/usr/bin:/bin` },
    encoding: 'utf8',
  })
  const path = found.status === 0 ? found.stdout.trim() : ''
  return path.startsWith('/') ? path : undefined
}

// The uid and gid of `nobody`, whom trials run as when the worker is root.
function nobody(): { uid: number; gid: number } {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('nobody:'))
    const [, , uid, gid] = line?.split(':') ?? []
    if (uid && gid) return { uid: Number(uid), gid: Number(gid) }
  } catch {
    // no /etc/passwd: the conventional ids
  }
  return { uid: 65534, gid: 65534 }
}

/**
 * Picks the strongest sandbox this machine allows (`auto`), or checks that `want` works.
 * Probes bubblewrap once by running `true` in it as the trial's user.
 */
export function chooseSandbox(want: 'auto' | SandboxMode = 'auto', env: NodeJS.ProcessEnv = process.env): SandboxPlan {
  if (!['auto', ...Object.values(SandboxMode)].includes(want))
    throw new ValidationError('--sandbox', 'auto, bwrap, user or none', { got: JSON.stringify(want) })
  const root = process.getuid?.() === 0
  const ids = root ? nobody() : undefined
  const bwrap = want === 'auto' || want === 'bwrap' ? findBwrap(env) : undefined
  if (bwrap) {
    const probe = spawnSync(bwrap, [...baseArgs(), '--ro-bind', '/', '/', 'true'], {
      stdio: 'ignore',
      timeout: 10_000,
      ...(ids ?? {}),
    })
    if (probe.status === 0) return { mode: 'bwrap', bwrap, ...(ids ?? {}) }
  }
  if (want === 'bwrap')
    throw new ValidationError('--sandbox', 'a sandbox this machine can run', {
      got: bwrap ? 'bwrap, which failed to start (user namespaces disabled?)' : 'bwrap, which is not installed',
    })
  if (ids && want !== 'none') return { mode: 'user', ...ids }
  if (want === 'user')
    throw new ValidationError('--sandbox', 'a sandbox this machine can run', { got: 'user, which needs a root worker' })
  return { mode: 'none' }
}

function baseArgs(): string[] {
  return ['--unshare-all', '--die-with-parent', '--new-session', '--proc', '/proc', '--dev', '/dev']
}

const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc/alternatives', '/etc/ld.so.cache']

/** What a trial process needs to see, and what it is allowed to keep. */
export interface SandboxFiles {
  /** Its inputs (dataset, bundle), read-only, visible at the same paths. */
  inputs: string[]
  /** Its working folder: empty, writable, its HOME. */
  workDir: string
  /** tmpfs size in bytes under bwrap (working folder and /tmp each). */
  tmpBytes: number
  /** Bind the GPU device nodes. */
  gpu: boolean
  /** Folders of the worker's to show read-only elsewhere (its compile cache). */
  shared?: Array<{ from: string; to: string }>
}

/** The command that starts `node nodeArgs...` inside the sandbox, and the user it runs as. */
export function sandboxCommand(
  plan: SandboxPlan,
  node: string,
  nodeArgs: string[],
  files: SandboxFiles,
): { command: string; args: string[]; cwd: string; uid?: number; gid?: number } {
  const user = plan.uid !== undefined && plan.gid !== undefined ? { uid: plan.uid, gid: plan.gid } : {}
  if (plan.mode !== 'bwrap' || !plan.bwrap) return { command: node, args: nodeArgs, cwd: files.workDir, ...user }
  const ro = (p: string) => ['--ro-bind-try', p, p]
  const nodeBin = realpathSync(node)
  const args = [
    ...baseArgs(),
    ...SYSTEM.flatMap(ro),
    ...(nodeBin.startsWith('/usr/') ? [] : ro(nodeBin)),
    // Kiln's code and the native addon; not the folder itself, which may hold .kiln/.
    ...['node_modules', 'packages', 'build', 'package.json'].flatMap((p) => ro(join(KILN_ROOT, p))),
    ...(files.gpu ? gpuArgs() : []),
    // Mounts apply in order: /tmp first, then the inputs and the working folder inside it.
    '--size',
    String(files.tmpBytes),
    '--tmpfs',
    '/tmp',
    ...files.inputs.flatMap(ro),
    ...(files.shared ?? []).flatMap((b) => ['--ro-bind-try', b.from, b.to]),
    '--size',
    String(files.tmpBytes),
    '--tmpfs',
    files.workDir,
    '--chdir',
    files.workDir,
    '--',
    node,
    ...nodeArgs,
  ]
  return { command: plan.bwrap, args, cwd: dirname(files.workDir), ...user }
}

// CUDA needs its device nodes, and reads the PCI topology from /sys.
function gpuArgs(): string[] {
  let devices: string[] = []
  try {
    devices = readdirSync('/dev').filter((d) => d.startsWith('nvidia'))
  } catch {
    // no /dev listing: no GPU to bind
  }
  return [...devices.flatMap((d) => ['--dev-bind-try', `/dev/${d}`, `/dev/${d}`]), '--ro-bind-try', '/sys', '/sys']
}
