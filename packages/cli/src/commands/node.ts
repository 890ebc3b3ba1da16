// `kiln node add|revoke|ls`: worker node identities. Each node gets its own NATS user, limited
// to its own subjects and kiln_nodes key (docs/security.md). On the local cluster the server
// is reloaded at once; for an operator's cluster (--nats-conf DIR) DIR/kiln-accounts.conf is
// rewritten, to be copied to every NATS server and reloaded.
import { existsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  accountsConfText,
  addLocalNode,
  addNode,
  localNodesFile,
  readClusterFile,
  readNodes,
  revokeLocalNode,
  revokeNode,
  writePrivateFile,
} from '@kiln/local'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { parseFlags } from '../parse-flags.js'
import { reportError } from '../report-error.js'
import { UsageError } from '../usage-error.js'
import { clusterDirFor } from './up.js'

/** `kiln node --help`. */
export const NODE_HELP = `Usage: kiln node add NAME [--out FILE] [--url URL] [--nats-conf DIR]
       kiln node revoke NAME [--nats-conf DIR]
       kiln node ls [--nats-conf DIR]

Worker node identities. Each node logs in to NATS as its own user (an nkey), allowed only its
own heartbeat, commands, kiln_nodes entry and trial statuses: one node cannot act as another.

  add NAME      issue NAME's identity and write its credential file (a secret, mode 0600):
                copy it to the new machine and run  kiln worker --creds FILE
  revoke NAME   withdraw it: the server disconnects the node and refuses it from then on
  ls            list the nodes allowed to join

On the local cluster of kiln up (the default) the server is reloaded at once and the file goes
to .kiln/creds/node-NAME.creds. For a cluster you run yourself, --nats-conf DIR keeps the list
in DIR/nodes.json and rewrites DIR/kiln-accounts.conf: copy that to every NATS server and run
nats-server --signal reload there (cluster/nats/kiln-cluster.conf includes it).

Options:
      --out FILE        where add writes the credential file (default as above; ./NAME.creds
                        with --nats-conf)
      --url URL         NATS URL(s) written into the credential file (default: the local
                        cluster's)
      --nats-conf DIR   an operator's NATS configuration folder instead of the local cluster
      --json            print one JSON object
  -h, --help            show this help

Exit status: 0 done, 2 bad arguments, 1 anything else (a name already added, an unknown one).
`

const FLAGS = {
  out: { type: 'string' },
  url: { type: 'string' },
  'nats-conf': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Runs `kiln node`; returns the exit status. */
export async function nodeCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json')
  try {
    const { values, positionals } = parseFlags('kiln node', argv, FLAGS)
    if (values.help) {
      io.stdout.write(NODE_HELP)
      return ExitCode.ok
    }
    const [action, name, ...rest] = positionals
    const wantsName = action === 'add' || action === 'revoke'
    if (!action || !['add', 'revoke', 'ls'].includes(action) || (wantsName ? !name : name) || rest.length)
      throw new UsageError('expected kiln node add NAME, kiln node revoke NAME or kiln node ls (see kiln node --help)')
    const confDir = values['nats-conf'] === undefined ? undefined : resolve(io.cwd, values['nats-conf'])
    if (confDir && !existsSync(confDir)) throw new UsageError(`--nats-conf ${confDir}: expected an existing folder`)
    const out = values.out === undefined ? undefined : resolve(io.cwd, values.out)
    if (out && action !== 'add') throw new UsageError('--out goes with kiln node add')
    const print = (text: string, data: Record<string, unknown>) =>
      io.stdout.write(json ? `${JSON.stringify({ event: `node-${action}`, ...data })}\n` : `${text}\n`)

    if (confDir) {
      const list = join(confDir, 'nodes.json')
      const conf = join(confDir, 'kiln-accounts.conf')
      if (action === 'ls') return listNodes(readNodes(list), print)
      if (action === 'add') {
        const { identity, credentials } = addNode(list, name!, values.url ? { url: values.url } : {})
        const file = out ?? resolve(io.cwd, `${name}.creds`)
        writePrivateFile(file, credentials)
        writeFileSync(conf, accountsConfText(readNodes(list)))
        print(
          `node ${name} added: credentials in ${file} (copy it to the node: kiln worker --creds FILE)\n${conf} rewritten: copy it to every NATS server and run nats-server --signal reload`,
          { node: name, creds: file, conf, publicKey: identity.publicKey },
        )
        return ExitCode.ok
      }
      revokeNode(list, name!)
      writeFileSync(conf, accountsConfText(readNodes(list)))
      print(`node ${name} revoked: copy ${conf} to every NATS server and run nats-server --signal reload`, {
        node: name,
        conf,
      })
      return ExitCode.ok
    }

    const dir = clusterDirFor(io)
    if (action === 'ls') return listNodes(readNodes(localNodesFile(dir)), print)
    if (!readClusterFile(dir) && action === 'add')
      throw new UsageError(`no local cluster in ${dir}: start one with kiln up, or pass --nats-conf DIR`)
    if (action === 'add') {
      const { file, identity, reloaded } = await addLocalNode(dir, name!, out ? { out } : {})
      print(
        `node ${name} added: credentials in ${file}${reloaded ? ' (the running server knows it now)' : ''}\nrun: kiln worker --creds ${file}`,
        { node: name, creds: file, reloaded, publicKey: identity.publicKey },
      )
      return ExitCode.ok
    }
    const { reloaded } = await revokeLocalNode(dir, name!)
    print(`node ${name} revoked${reloaded ? ': the server disconnected it and refuses it from now on' : ''}`, {
      node: name,
      reloaded,
    })
    return ExitCode.ok
  } catch (err) {
    return reportError(err, io, { command: 'kiln node', json })
  }
}

function listNodes(
  nodes: { nodeId: string; added: string }[],
  print: (text: string, data: Record<string, unknown>) => void,
): number {
  print(nodes.length ? nodes.map((n) => `${n.nodeId}  added ${n.added}`).join('\n') : 'no nodes', {
    nodes: nodes.map((n) => ({ node: n.nodeId, added: n.added })),
  })
  return ExitCode.ok
}
