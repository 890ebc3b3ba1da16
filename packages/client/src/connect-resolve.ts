// Where a process finds its NATS server and credentials, first match wins:
//   1. options (the CLI's --nats URL --creds FILE; user/password, token, nkey seed)
//   2. the environment: KILN_NATS_URL, KILN_NATS_CREDS, KILN_NATS_USER + KILN_NATS_PASSWORD,
//      KILN_NATS_TOKEN, KILN_NATS_NKEY (a seed or a seed file); TLS files from
//      KILN_NATS_CA / KILN_NATS_CERT / KILN_NATS_KEY (also allowed in a credential file)
//   3. the local cluster of `kiln up` (.kiln/cluster.json here or in a folder above, or
//      $KILN_DIR): its URL, and the credential file of the caller's role.
// The URL and the credentials resolve separately, but a local cluster's credentials are
// only ever sent to that cluster's own server, never to a URL from elsewhere.
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from '@nats-io/transport-node'
import { ValidationError } from '@kiln/protocol'
import {
  findClusterDir,
  inboxPrefix,
  isNkeySeed,
  nodeUserName,
  LocalClusterError,
  LocalFailure,
  pidAlive,
  readClusterFile,
  readCredentials,
  tlsFilesFrom,
  type ClusterFile,
  type Credentials,
  type Role,
  type TlsFiles,
} from '@kiln/local'

export interface ConnectKilnOptions {
  /** NATS URL(s), comma-separated (the --nats flag). */
  nats?: string
  /** A credential file: Kiln's KILN_NATS_* lines, a NATS .creds (JWT) file or an nkey seed (the --creds flag). */
  creds?: string
  user?: string
  password?: string
  token?: string
  /** An nkey user seed (SU...), or the path of a file holding one. */
  nkeySeed?: string
  /** TLS files (a private CA; a client certificate and key where the server verifies clients). */
  tls?: TlsFiles
  /** Whose local-cluster credentials to use (default client). */
  role?: Role
  /** Default process.env. */
  env?: NodeJS.ProcessEnv
  /** Where to look for .kiln/cluster.json (default process.cwd()). */
  cwd?: string
}

/** What was resolved, safe to print: no secret in it. */
export interface ConnectionSummary {
  /** The server URLs without any user:password@ part. */
  servers: string[]
  /** Where the URL came from: "--nats", "KILN_NATS_URL", "credentials file X", "local cluster X". */
  urlSource: string
  auth: { kind: Credentials['kind'] | 'none'; source: string; user?: string }
  /** TLS files in use, if any (paths only). */
  tls?: TlsFiles
  /** The local cluster's folder, when its URL or credentials are used. */
  clusterDir?: string
}

/** The summary plus the nats options, which hold the secrets: pass them to connect() only. */
export interface ResolvedConnection extends ConnectionSummary {
  options: ConnectionOptions
  /** The credentials as plain data (for a worker to hand its trial threads); a secret. */
  credentials?: Credentials
}

type Found = { creds: Credentials; source: string }

/** Removes user:password@ from a URL, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1')
}

function seedCredentials(seedOrFile: string, source: string): Found {
  if (isNkeySeed(seedOrFile)) return { creds: { kind: 'nkey', seed: seedOrFile.trim() }, source }
  // A mistyped seed is still a secret: say what was wrong without echoing it as a "path".
  if (/^S[A-Z2-7]{20,}$/.test(seedOrFile.trim()))
    throw new ValidationError(source, 'an nkey user seed (SU and 56 base32 characters) or a file holding one', {
      got: 'a malformed seed',
    })
  const creds = readCredentials(seedOrFile)
  if (creds.kind !== 'nkey')
    throw new ValidationError(source, 'an nkey user seed (SU...) or a file holding one', { got: 'something else' })
  return { creds, source }
}

function fromOptions(o: ConnectKilnOptions): Found | undefined {
  const given = [
    o.creds !== undefined,
    o.user !== undefined || o.password !== undefined,
    o.token !== undefined,
    o.nkeySeed !== undefined,
  ]
  if (given.filter(Boolean).length > 1)
    throw new ValidationError('credentials', 'only one of creds, user/password, token, nkeySeed')
  if (o.creds !== undefined) return { creds: readCredentials(o.creds), source: `credentials file ${o.creds}` }
  if (o.user !== undefined || o.password !== undefined) {
    if (!o.user || o.password === undefined)
      throw new ValidationError(o.user ? 'password' : 'user', 'a user and a password together')
    return { creds: { kind: 'user', user: o.user, password: o.password }, source: 'options' }
  }
  if (o.token !== undefined) return { creds: { kind: 'token', token: o.token }, source: 'options' }
  if (o.nkeySeed !== undefined) return seedCredentials(o.nkeySeed, 'nkeySeed')
  return undefined
}

function fromEnv(env: NodeJS.ProcessEnv): Found | undefined {
  if (env.KILN_NATS_CREDS)
    return { creds: readCredentials(env.KILN_NATS_CREDS), source: `KILN_NATS_CREDS (${env.KILN_NATS_CREDS})` }
  if (env.KILN_NATS_USER || env.KILN_NATS_PASSWORD) {
    if (!env.KILN_NATS_USER || env.KILN_NATS_PASSWORD === undefined) {
      throw new ValidationError(
        env.KILN_NATS_USER ? 'KILN_NATS_PASSWORD' : 'KILN_NATS_USER',
        'KILN_NATS_USER and KILN_NATS_PASSWORD set together',
      )
    }
    return {
      creds: { kind: 'user', user: env.KILN_NATS_USER, password: env.KILN_NATS_PASSWORD },
      source: 'KILN_NATS_USER/KILN_NATS_PASSWORD',
    }
  }
  if (env.KILN_NATS_TOKEN) return { creds: { kind: 'token', token: env.KILN_NATS_TOKEN }, source: 'KILN_NATS_TOKEN' }
  if (env.KILN_NATS_NKEY) {
    // A worker node's systemd unit gives its identity as KILN_NODE_ID and KILN_NATS_NKEY in its
    // EnvironmentFile (cluster/env/worker.env.example): the id names the node and its inbox.
    const found = seedCredentials(env.KILN_NATS_NKEY, 'KILN_NATS_NKEY')
    const nodeId = env.KILN_NODE_ID?.trim()
    return nodeId && found.creds.kind === 'nkey' ? { ...found, creds: { ...found.creds, nodeId } } : found
  }
  return undefined
}

function runningCluster(dir: string): ClusterFile {
  const info = readClusterFile(dir)
  const nats = info?.processes.find((p) => p.role === 'nats')
  if (!info || !nats || !pidAlive(nats.pid, nats.marker)) {
    throw new LocalClusterError(
      LocalFailure.notRunning,
      `the local cluster in ${dir} is not running: start it with kiln up, or pass --nats URL`,
    )
  }
  return info
}

const sameServer = (a: string, b: string) => redactUrl(a).replace(/\/+$/, '') === redactUrl(b).replace(/\/+$/, '')

function authOptions(creds: Credentials): ConnectionOptions {
  switch (creds.kind) {
    case 'user':
      return { user: creds.user, pass: creds.password }
    case 'token':
      return { token: creds.token }
    case 'nkey':
      return { authenticator: nkeyAuthenticator(new TextEncoder().encode(creds.seed)) }
    case 'jwt':
      return { authenticator: credsAuthenticator(new TextEncoder().encode(creds.creds)) }
  }
}

// Kiln's users may subscribe only below their own inbox prefix (roles.ts): a node's comes
// from its id, a role's from its user name. Other credentials keep nats.js's _INBOX.
function inboxFor(creds: Credentials | undefined): string | undefined {
  try {
    if (creds && 'nodeId' in creds && creds.nodeId) return inboxPrefix(nodeUserName(creds.nodeId))
    if (creds?.kind === 'user') return inboxPrefix(creds.user)
  } catch {
    // A user name that is no subject token (alice@corp): the server's own permissions decide.
  }
  return undefined
}

/** Resolves URL and credentials (see the order above) without connecting. */
export function resolveConnection(o: ConnectKilnOptions = {}): ResolvedConnection {
  const env = o.env ?? process.env
  const role = o.role ?? 'client'
  let url = o.nats ?? env.KILN_NATS_URL
  let urlSource = o.nats !== undefined ? '--nats' : 'KILN_NATS_URL'
  let found = fromOptions(o) ?? fromEnv(env)
  if (!url && found && 'url' in found.creds && found.creds.url) {
    url = found.creds.url
    urlSource = found.source
  }
  let clusterDir: string | undefined
  if (!url || !found) {
    const dir = findClusterDir(o.cwd ?? process.cwd(), env)
    if (!url) {
      if (!dir)
        throw new LocalClusterError(
          LocalFailure.notRunning,
          'no NATS server given: pass --nats URL, set KILN_NATS_URL, or start a local cluster with kiln up',
        )
      url = runningCluster(dir).url
      urlSource = `local cluster ${dir}`
      clusterDir = dir
    }
    // Only for its credentials here: a damaged cluster.json must not block a --nats URL.
    const info = dir
      ? (() => {
          try {
            return readClusterFile(dir)
          } catch {
            return undefined
          }
        })()
      : undefined
    if (!found && !url.includes('@') && info && sameServer(url, info.url)) {
      const file = info.creds[role]
      if (!file)
        throw new LocalClusterError(
          LocalFailure.badCredentials,
          `the local cluster in ${dir} has no credentials for the ${role} role${role === 'worker' ? ': add a node with `kiln node add NAME` and pass --creds with the file it writes' : ''}`,
        )
      found = { creds: readCredentials(file), source: `local cluster ${role} credentials ${file}` }
      clusterDir = dir
    }
  }
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const inUrl = servers.some((s) => redactUrl(s) !== s)
  const auth: ConnectionSummary['auth'] = found
    ? {
        kind: found.creds.kind,
        source: found.source,
        ...(found.creds.kind === 'user' ? { user: found.creds.user } : {}),
      }
    : { kind: inUrl ? 'user' : 'none', source: inUrl ? 'the URL' : 'none' }
  const tls = o.tls ?? tlsFilesFrom(env) ?? (found && 'tls' in found.creds ? found.creds.tls : undefined)
  const inbox = inboxFor(found?.creds)
  return {
    servers: servers.map(redactUrl),
    urlSource,
    auth,
    ...(clusterDir ? { clusterDir } : {}),
    ...(tls ? { tls } : {}),
    ...(found ? { credentials: found.creds } : {}),
    options: {
      servers,
      ...(found ? authOptions(found.creds) : {}),
      ...(inbox ? { inboxPrefix: inbox } : {}),
      ...(tls
        ? {
            tls: {
              ...(tls.ca ? { caFile: tls.ca } : {}),
              ...(tls.cert ? { certFile: tls.cert } : {}),
              ...(tls.key ? { keyFile: tls.key } : {}),
            },
          }
        : {}),
    },
  }
}
