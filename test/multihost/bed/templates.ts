// What cluster/ tells an operator to install, installed on a test bed host. The host's
// files live under its own root folder instead of /, so the only change to any template
// is where files are: /etc/kiln, /var/lib/kiln and /opt/kiln become <root>/etc/kiln,
// <root>/var/lib/kiln and this checkout. Host names, ports, listen addresses, flags and
// settings stay exactly as written; each host resolves the names through its /etc/hosts.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { natsServerPath } from '@kiln/local'

export const REPO = resolve(fileURLToPath(import.meta.url), '../../../..')
export const CLUSTER = join(REPO, 'cluster')
/** What scripts/setup links as /usr/local/bin/kiln: the compiled CLI. */
export const KILN_BIN = join(REPO, 'packages/cli/bin/kiln.mjs')

/** Rewrites the file locations of a template for a host whose files live under `root`. */
export function localize(text: string, root: string): string {
  return text
    .replaceAll('/etc/kiln/', `${root}/etc/kiln/`)
    .replaceAll('/var/lib/kiln', `${root}/var/lib/kiln`)
    .replaceAll('/opt/kiln', REPO)
}

/** A systemd unit's service section, as the bed runs it. */
export interface Unit {
  name: string
  /** ExecStart, split into words (no unit in cluster/ quotes an argument). */
  command: string[]
  environmentFile?: string
  environment: Record<string, string>
  workingDirectory?: string
  restart: boolean
  restartSec: number
}

/** Reads cluster/systemd/kiln-<name>.service. */
export function readUnit(name: string): Unit {
  const text = readFileSync(join(CLUSTER, 'systemd', `kiln-${name}.service`), 'utf8')
  const all = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim())
  const one = (key: string) => all(key).at(-1)
  const exec = one('ExecStart')
  if (!exec) throw new Error(`cluster/systemd/kiln-${name}.service has no ExecStart`)
  const environment: Record<string, string> = {}
  for (const line of all('Environment'))
    for (const pair of line.split(/\s+/)) {
      const eq = pair.indexOf('=')
      if (eq > 0) environment[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
  const envFile = one('EnvironmentFile')
  const dir = one('WorkingDirectory')
  return {
    name,
    command: exec.split(/\s+/),
    ...(envFile ? { environmentFile: envFile } : {}),
    environment,
    ...(dir ? { workingDirectory: dir } : {}),
    restart: one('Restart') === 'on-failure' || one('Restart') === 'always',
    restartSec: Number(one('RestartSec') ?? 0.1),
  }
}

/** KEY=VALUE lines of an environment file (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m) out[m[1]!] = m[2]!.trim()
  }
  return out
}

/** systemd's PATH for services; nothing of the test's own environment leaks in. */
export const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/**
 * The command line and environment a host runs for `unit`: its ExecStart with the
 * programs of this machine (node, the nats-server of .tools/), its EnvironmentFile and
 * Environment= lines, with file locations localized.
 */
export function unitInvocation(
  unit: Unit,
  root: string,
): { command: string[]; env: Record<string, string>; cwd: string } {
  // /usr/local/bin/kiln is scripts/setup's link to packages/cli/bin/kiln.mjs (the compiled CLI).
  const programs: Record<string, string[]> = {
    '/usr/bin/node': [process.execPath],
    '/usr/local/bin/kiln': [process.execPath, KILN_BIN],
    '/usr/sbin/nats-server': [natsServerPath()],
  }
  const [program = '', ...args] = unit.command
  const command = [...(programs[program] ?? [program]), ...args.map((w) => localize(w, root))]
  const fileEnv = unit.environmentFile ? parseEnvFile(readFileSync(localize(unit.environmentFile, root), 'utf8')) : {}
  const env: Record<string, string> = { PATH: SERVICE_PATH, ...fileEnv }
  for (const [k, v] of Object.entries(unit.environment)) env[k] = localize(v, root)
  return { command, env, cwd: unit.workingDirectory ? localize(unit.workingDirectory, root) : root }
}

/** Copies the .conf files of `from` (default cluster/nats/) to <root>/etc/kiln/nats/ with localized file locations. */
export function installNatsConfig(root: string, from = join(CLUSTER, 'nats')): string {
  const dir = join(root, 'etc/kiln/nats')
  mkdirSync(dir, { recursive: true })
  for (const file of readdirSync(from).filter((f) => f.endsWith('.conf')))
    writeFileSync(join(dir, file), localize(readFileSync(join(from, file), 'utf8'), root))
  mkdirSync(join(root, 'var/lib/kiln/nats'), { recursive: true })
  return join(dir, 'kiln-cluster.conf')
}

/**
 * Writes <root>/etc/kiln/<role>.env from cluster/env/<role>.env.example, with `values`
 * in place of the example's (the passwords, the node name) and file locations localized;
 * mode 0600 as the examples ask.
 */
export function installEnvFile(root: string, role: string, values: Record<string, string>): string {
  const example = readFileSync(join(CLUSTER, 'env', `${role}.env.example`), 'utf8')
  const seen = new Set<string>()
  const text = example
    .split('\n')
    .map((line) => {
      const m = /^([A-Z_]+)=/.exec(line)
      if (!m || !(m[1]! in values)) return line
      seen.add(m[1]!)
      return `${m[1]}=${values[m[1]!]}`
    })
    .join('\n')
  const missing = Object.keys(values).filter((k) => !seen.has(k))
  if (missing.length) throw new Error(`cluster/env/${role}.env.example has no line for ${missing.join(', ')}`)
  const file = join(root, 'etc/kiln', `${role}.env`)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, localize(text, root))
  chmodSync(file, 0o600)
  return file
}

/** Puts the certificates the config names into <root>/etc/kiln/tls/. */
export function installTls(root: string, files: Record<string, string>): void {
  const dir = join(root, 'etc/kiln/tls')
  mkdirSync(dir, { recursive: true })
  for (const [name, from] of Object.entries(files)) copyFileSync(from, join(dir, name))
}
