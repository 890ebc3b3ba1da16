// Credential files. Kiln's own format is environment-file lines (KILN_NATS_USER=...), so the
// same file serves `--creds FILE`, KILN_NATS_CREDS and a systemd EnvironmentFile. NATS's
// own formats are recognised too: a decorated JWT .creds file and a bare nkey seed.
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { LocalClusterError, LocalFailure } from './errors.js'

/** TLS files for a server with a private CA, or one that wants client certificates. */
export interface TlsFiles {
  ca?: string
  cert?: string
  key?: string
}

/** Where to connect, besides who to be: optional in Kiln's own credential files. */
interface Extras {
  url?: string
  tls?: TlsFiles
  /** A worker node's identity (`kiln node add`): the node id its user is limited to. */
  nodeId?: string
}

/** What a credential file holds. Never print one of these: it is the secret. */
export type Credentials =
  | ({ kind: 'user'; user: string; password: string } & Extras)
  | ({ kind: 'token'; token: string } & Extras)
  | ({ kind: 'nkey'; seed: string } & Extras)
  | { kind: 'jwt'; creds: string }

const KEYS = [
  'KILN_NATS_URL',
  'KILN_NATS_USER',
  'KILN_NATS_PASSWORD',
  'KILN_NATS_TOKEN',
  'KILN_NATS_NKEY',
  'KILN_NATS_CA',
  'KILN_NATS_CERT',
  'KILN_NATS_KEY',
  'KILN_NODE_ID',
] as const

/** The TLS files named by KILN_NATS_CA / _CERT / _KEY in `vars` (a credential file or the environment), if any. */
export function tlsFilesFrom(vars: Partial<Record<string, string>>): TlsFiles | undefined {
  const tls: TlsFiles = {
    ...(vars.KILN_NATS_CA ? { ca: vars.KILN_NATS_CA } : {}),
    ...(vars.KILN_NATS_CERT ? { cert: vars.KILN_NATS_CERT } : {}),
    ...(vars.KILN_NATS_KEY ? { key: vars.KILN_NATS_KEY } : {}),
  }
  return Object.keys(tls).length ? tls : undefined
}
// An nkey user seed: S (seed) U (user) and 56 more base32 characters.
const USER_SEED = /^SU[A-Z2-7]{56}$/

/** Whether `text` is an nkey user seed (rather than a path to a file holding one). */
export function isNkeySeed(text: string): boolean {
  return USER_SEED.test(text.trim())
}

function unquote(value: string): string {
  const v = value.trim()
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0] ? v.slice(1, -1) : v
}

/** Parses the text of a credential file; `source` names it in errors (never its contents). */
export function parseCredentials(text: string, source: string): Credentials {
  if (text.includes('-----BEGIN NATS USER JWT-----')) return { kind: 'jwt', creds: text }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  if (lines.length === 1 && isNkeySeed(lines[0]!)) return { kind: 'nkey', seed: lines[0]! }
  const vars: Partial<Record<(typeof KEYS)[number], string>> = {}
  for (const [i, line] of lines.entries()) {
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=(.*)$/.exec(line)
    const key = m?.[1] as (typeof KEYS)[number] | undefined
    if (!m || !key || !KEYS.includes(key)) {
      // Name the line, not its text: the text may be a secret in the wrong place.
      throw new LocalClusterError(
        LocalFailure.badCredentials,
        `${source}: line ${i + 1}: expected KEY=VALUE with KEY one of ${KEYS.join(', ')}, a NATS .creds file or an nkey seed`,
      )
    }
    vars[key] = unquote(m[2]!)
  }
  const tls = tlsFilesFrom(vars)
  const extras: Extras = {
    ...(vars.KILN_NATS_URL ? { url: vars.KILN_NATS_URL } : {}),
    ...(tls ? { tls } : {}),
    ...(vars.KILN_NODE_ID ? { nodeId: vars.KILN_NODE_ID } : {}),
  }
  if (vars.KILN_NATS_USER !== undefined && vars.KILN_NATS_PASSWORD !== undefined) {
    return { kind: 'user', user: vars.KILN_NATS_USER, password: vars.KILN_NATS_PASSWORD, ...extras }
  }
  if (vars.KILN_NATS_TOKEN) return { kind: 'token', token: vars.KILN_NATS_TOKEN, ...extras }
  if (vars.KILN_NATS_NKEY && isNkeySeed(vars.KILN_NATS_NKEY))
    return { kind: 'nkey', seed: vars.KILN_NATS_NKEY.trim(), ...extras }
  throw new LocalClusterError(
    LocalFailure.badCredentials,
    `${source}: expected KILN_NATS_USER and KILN_NATS_PASSWORD, KILN_NATS_TOKEN, or KILN_NATS_NKEY (an nkey seed)`,
  )
}

/** Reads and parses a credential file. */
export function readCredentials(file: string): Credentials {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new LocalClusterError(
      LocalFailure.badCredentials,
      `cannot read credentials file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: err },
    )
  }
  return parseCredentials(text, file)
}

// A Kiln credential file: a comment, the usage note, the URL if given, then the identity.
function credentialsText(comment: string, usage: string, url: string | undefined, identity: string[]): string {
  return [
    `# ${comment}`,
    `# Secret: keep this file mode 0600. Usable as ${usage}.`,
    ...(url ? [`KILN_NATS_URL=${url}`] : []),
    ...identity,
    '',
  ].join('\n')
}

/** The text of a Kiln credential file for a user/password pair. */
export function formatUserCredentials(user: string, password: string, comment: string, url?: string): string {
  return credentialsText(comment, '--creds FILE, KILN_NATS_CREDS or a systemd EnvironmentFile', url, [
    `KILN_NATS_USER=${user}`,
    `KILN_NATS_PASSWORD=${password}`,
  ])
}

/** The text of a worker node's credential file: its id and its nkey seed (`kiln node add`). */
export function formatNodeCredentials(nodeId: string, seed: string, comment: string, url?: string): string {
  return credentialsText(comment, '`kiln worker --creds FILE`, KILN_NATS_CREDS or a systemd EnvironmentFile', url, [
    `KILN_NODE_ID=${nodeId}`,
    `KILN_NATS_NKEY=${seed}`,
  ])
}

/** Writes `text` to `file` readable by its owner only, replacing any old file atomically. */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  chmodSync(tmp, 0o600) // the mode above applies only to a new file and is masked by umask
  renameSync(tmp, file)
}
