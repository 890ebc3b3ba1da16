// A Kiln cluster spread over hosts on one machine: three NATS hosts running
// cluster/nats/kiln-cluster.conf (routes and TLS as written), coordinator hosts, worker
// hosts, a gateway host, and a "laptop" from which a user runs the kiln CLI with
// cluster/env/client.env. Every host runs its cluster/systemd unit's command with its
// env file (see templates.ts), so what is tested is what the operators' guide says.
// The test itself sits at the operator's seat (network.ts) and reaches the hosts by
// address. Faults: powerOff (every process of a host killed at once, its cable pulled),
// powerOn, partition/heal (cable only).
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkServerIdentity, type PeerCertificate } from 'node:tls'
import { connect, type NatsConnection, type TlsOptions } from '@nats-io/transport-node'
import { MAX_PINGS_OUT, PING_INTERVAL_MS } from '@kiln/client'
import { inboxPrefix } from '@kiln/local'
import { makeTestCa, makeTestCert } from '../../local/test-certs.js'
import { BedNetwork, killNamespace, type NetHost } from './network.js'
import { Service, type Readiness } from './service.js'
import {
  installEnvFile,
  installNatsConfig,
  installTls,
  CLUSTER,
  KILN_BIN,
  parseEnvFile,
  readUnit,
  REPO,
  SERVICE_PATH,
} from './templates.js'

export { testbedUnavailable } from './network.js'

const DOMAIN = 'kiln.internal'
const READY_LINE = /"event":"ready"/
// The shared roles' users (cluster/env/nats.env.example); worker nodes log in as themselves.
const ROLE_USERS = ['admin', 'coordinator', 'gateway', 'client'] as const
type RoleUser = (typeof ROLE_USERS)[number]
const CLUSTER_URLS = [1, 2, 3].map((i) => `tls://nats-${i}.${DOMAIN}:4222`).join(',')

export interface TestbedOptions {
  coordinators?: number
  workers?: number
  gateway?: boolean
  /** How long each service may take to be ready (default 4 min: a loaded 2-core machine). */
  readyTimeoutMs?: number
}

export interface BedHost {
  net: NetHost
  root: string
  services: Service[]
}

export class Testbed {
  readonly net = new BedNetwork()
  readonly dir = mkdtempSync(join(tmpdir(), 'kiln-testbed-'))
  readonly hosts = new Map<string, BedHost>()
  readonly passwords: Record<string, string> = {}
  readonly ca: string
  private readonly readyTimeoutMs: number

  private constructor(private readonly o: TestbedOptions) {
    this.readyTimeoutMs = o.readyTimeoutMs ?? 240_000
    // The recipe of cluster/env/nats.env.example (a letter, then hex: see why there).
    for (const role of [...ROLE_USERS, 'sys']) this.passwords[role] = `k${randomBytes(24).toString('hex')}`
    this.ca = makeTestCa(this.dir).ca
  }

  /** Builds the hosts and starts the units in the guide's order; tears down if anything fails. */
  static async start(o: TestbedOptions = {}): Promise<Testbed> {
    const bed = new Testbed(o)
    try {
      bed.build()
      await bed.boot()
      return bed
    } catch (err) {
      await bed.destroy()
      throw err
    }
  }

  private addHost(name: string): BedHost {
    const net = this.net.addHost(name)
    const host: BedHost = { net, root: join(this.dir, name), services: [] }
    mkdirSync(host.root, { recursive: true })
    this.hosts.set(name, host)
    return host
  }

  private service(host: BedHost, unitName: string, readiness: Readiness): Service {
    const s = new Service(host.net, host.root, readUnit(unitName), readiness)
    host.services.push(s)
    return s
  }

  private envValues(role: RoleUser | 'worker', host: string): Record<string, string> {
    if (role !== 'worker') return { KILN_NATS_PASSWORD: this.passwords[role]! }
    // README "Add a GPU node" step 5: KILN_NODE_ID and KILN_NATS_NKEY as in the node's file.
    const creds = parseEnvFile(readFileSync(join(this.operatorDir, `${host}.env`), 'utf8'))
    return { KILN_NODE_ID: creds.KILN_NODE_ID!, KILN_NATS_NKEY: creds.KILN_NATS_NKEY! }
  }

  /** The operator's copy of cluster/nats/ (README "Add a GPU node"): where nodes are added. */
  private get operatorDir(): string {
    return join(this.dir, 'operator-nats')
  }

  /** `kiln node add NAME --nats-conf DIR --url ... --out NAME.env` at the operator's seat, per worker. */
  private addWorkerNodes(names: string[]): void {
    cpSync(join(CLUSTER, 'nats'), this.operatorDir, { recursive: true })
    for (const name of names) {
      const out = join(this.operatorDir, `${name}.env`)
      const args = ['node', 'add', name, '--nats-conf', this.operatorDir, '--url', CLUSTER_URLS, '--out', out]
      execFileSync(process.execPath, [KILN_BIN, ...args], {
        env: { PATH: SERVICE_PATH, HOME: this.dir },
        stdio: 'pipe',
      })
    }
  }

  private build(): void {
    const names = new Map<string, string[]>()
    const workers = Array.from({ length: this.o.workers ?? 2 }, (_, i) => `worker-${i + 1}`)
    this.addWorkerNodes(workers)
    for (let i = 1; i <= 3; i++) {
      const host = this.addHost(`nats-${i}`)
      const fqdn = `nats-${i}.${DOMAIN}`
      names.set(host.net.address, [fqdn, host.net.name])
      // The operator copies the rewritten kiln-accounts.conf to every NATS host.
      installNatsConfig(host.root, this.operatorDir)
      const { cert, key } = makeTestCert(this.dir, host.net.name, { dns: [fqdn], ip: [host.net.address] })
      installTls(host.root, {
        'ca.pem': this.ca,
        'nats-server.pem': cert,
        'nats-server-key.pem': key,
        'nats-route.pem': cert,
        'nats-route-key.pem': key,
      })
      const env: Record<string, string> = { KILN_NATS_NODE: host.net.name }
      for (const [role, pw] of Object.entries(this.passwords)) env[`KILN_${role.toUpperCase()}_PASSWORD`] = pw
      installEnvFile(host.root, 'nats', env)
      this.service(host, 'nats', { line: /Server is ready/ })
    }
    const kilnHost = (name: string, role: RoleUser | 'worker', ready?: (h: NetHost) => Readiness) => {
      const host = this.addHost(name)
      names.set(host.net.address, [`${name}.${DOMAIN}`, name])
      installTls(host.root, { 'ca.pem': this.ca })
      installEnvFile(host.root, role, this.envValues(role, name))
      if (ready) this.service(host, role, ready(host.net))
    }
    const line = () => ({ line: READY_LINE })
    for (let i = 1; i <= (this.o.coordinators ?? 2); i++) kilnHost(`coord-${i}`, 'coordinator', line)
    for (const name of workers) kilnHost(name, 'worker', line)
    // The gateway prints no ready line; its health check says when it serves.
    if (this.o.gateway ?? true)
      kilnHost('gateway-1', 'gateway', (h) => ({ url: `http://${h.address}:8080/v2/health/ready` }))
    kilnHost('laptop', 'client')
    this.net.writeHostsFiles(names)
  }

  /** The guide's order: the NATS nodes, the first coordinator (it creates the R3 layout), then the rest. */
  private async boot(): Promise<void> {
    const nats = this.services('nats')
    for (const s of nats) s.start()
    await Promise.all(nats.map((s) => s.ready(this.readyTimeoutMs)))
    const [first, ...standbys] = this.services('coordinator')
    first?.start()
    await first?.ready(this.readyTimeoutMs)
    const rest = [...standbys, ...this.services('worker'), ...this.services('gateway')]
    for (const s of rest) s.start()
    await Promise.all(rest.map((s) => s.ready(this.readyTimeoutMs)))
  }

  host(name: string): BedHost {
    const h = this.hosts.get(name)
    if (!h) throw new Error(`test bed: no host ${name} (hosts: ${[...this.hosts.keys()].join(', ')})`)
    return h
  }

  /** Every service running `unit` (nats, coordinator, worker, gateway), in host order. */
  services(unit: string): Service[] {
    return [...this.hosts.values()].flatMap((h) => h.services.filter((s) => s.unit.name === unit))
  }

  /** The NATS client URLs by address, as the operator's seat reaches them. */
  get natsUrls(): string[] {
    return this.services('nats').map((s) => `tls://${s.host.address}:4222`)
  }

  /**
   * A connection from the operator's seat as one of the role users. The seat reaches the
   * hosts by address (this machine's /etc/hosts is not the bed's), and nats.js checks a
   * certificate of an address against "localhost", so the check here accepts a NATS
   * host's certificate for its own name; the chain is still verified against the bed's CA.
   */
  connect(role: RoleUser | 'sys', servers: string[] = this.natsUrls): Promise<NatsConnection> {
    const names = this.services('nats').map((s) => `${s.host.name}.${DOMAIN}`)
    return connect({
      servers,
      user: role,
      pass: this.passwords[role]!,
      name: `testbed-${role}`,
      // A role's user may subscribe only below its own inbox prefix (kiln-accounts.conf).
      ...(role === 'sys' ? {} : { inboxPrefix: inboxPrefix(role) }),
      timeout: 20_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      tls: {
        ca: readFileSync(this.ca, 'utf8'),
        checkServerIdentity: (_host: string, cert: PeerCertificate) =>
          names.some((n) => checkServerIdentity(n, cert) === undefined)
            ? undefined
            : new Error(`certificate names none of ${names.join(', ')}`),
        // nats.js hands its tls options to node's tls.connect, which takes checkServerIdentity.
      } as TlsOptions,
    })
  }

  /** The host lost power: every process in it killed at once, and its cable is dead. */
  powerOff(name: string): number {
    const h = this.host(name)
    for (const s of h.services) s.poweredOff()
    this.net.setLink(h.net, false)
    return killNamespace(h.net.ns)
  }

  /** Power back: cable in, units started (systemctl enable made them start at boot). */
  powerOn(name: string): void {
    const h = this.host(name)
    this.net.setLink(h.net, true)
    for (const s of h.services) s.start()
  }

  /** Unplugs (or plugs back) the host's cable; its processes keep running. */
  partition(name: string, cut = true): void {
    this.net.setLink(this.host(name).net, !cut)
  }

  /** Runs `kiln ...args` on the laptop as a user would: `--creds /etc/kiln/client.env`. */
  kiln(args: string[], timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const laptop = this.host('laptop')
    const creds = join(laptop.root, 'etc/kiln/client.env')
    // The kiln command scripts/setup links onto PATH (the compiled CLI).
    const argv = ['netns', 'exec', laptop.net.ns, process.execPath, KILN_BIN]
    const child = spawn('ip', [...argv, ...args, '--creds', creds], {
      cwd: REPO,
      env: { PATH: SERVICE_PATH, HOME: laptop.root },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c))
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    return new Promise((ok) =>
      child.once('close', (code) => {
        clearTimeout(timer)
        ok({ code, stdout, stderr })
      }),
    )
  }

  /** The laptop's client.env values (what the user's CLI reads). */
  clientEnv(): Record<string, string> {
    return parseEnvFile(readFileSync(join(this.host('laptop').root, 'etc/kiln/client.env'), 'utf8'))
  }

  /** Every host's processes killed, namespaces and files removed. */
  async destroy(): Promise<void> {
    for (const h of this.hosts.values()) for (const s of h.services) s.poweredOff()
    this.net.destroy()
    if (process.env.KILN_TESTBED_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true })
  }
}
