// The test bed's network: one Linux network namespace per host, each with its own eth0 on
// a bridge that lives in a "switch" namespace of its own (so nothing of this machine's own
// networking, netfilter included, is in the path), and one veth from the switch to this
// namespace: the operator's seat, from which the test talks to the hosts. Hosts have no
// default route, so they can reach only each other and the operator: no test traffic can
// go anywhere else. Names carry the bed's id; a bed whose owner died is swept away by the
// next one (a test file killed on timeout cannot tear itself down).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const PREFIX = 'kiln-tb-'
const NETNS_ETC = '/etc/netns'

/** Why the bed cannot run here, or undefined when it can (root, `ip` with netns and veth). */
export function testbedUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the multi-host test bed needs Linux network namespaces'
  if (process.getuid?.() !== 0) return 'the multi-host test bed needs root (ip netns); run the tests as root'
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' })
    execFileSync('unshare', ['--version'], { stdio: 'ignore' })
  } catch {
    return 'the multi-host test bed needs the ip (iproute2) and unshare (util-linux) commands'
  }
  return undefined
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function quietly(fn: () => unknown): void {
  try {
    fn()
  } catch {
    /* already gone */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const ownerFile = (id: string) => join(tmpdir(), `${PREFIX}${id}.owner`)

/** Kills every process in namespace `ns` (SIGKILL): a host losing power. Returns how many. */
export function killNamespace(ns: string): number {
  let pids: number[] = []
  try {
    pids = ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number)
  } catch {
    return 0
  }
  for (const pid of pids) quietly(() => process.kill(pid, 'SIGKILL'))
  return pids.length
}

function removeBed(id: string): void {
  const names = ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`${PREFIX}${id}-`))
  for (const ns of names) killNamespace(ns)
  for (const ns of names) {
    quietly(() => ip('netns', 'del', ns))
    quietly(() => rmSync(join(NETNS_ETC, ns), { recursive: true, force: true }))
  }
  quietly(() => rmSync(ownerFile(id), { force: true }))
  // Only if no one else's files are in it: it did not exist before the first bed.
  quietly(() => readdirSync(NETNS_ETC).length === 0 && rmdirSync(NETNS_ETC))
}

/** Removes beds left behind by test processes that no longer run. */
export function sweepStaleBeds(): void {
  const ids = new Set(
    ip('netns', 'list')
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith(PREFIX))
      .map((n) => n.slice(PREFIX.length).split('-')[0]!),
  )
  for (const id of ids) {
    let owner = 0
    quietly(() => (owner = Number(readFileSync(ownerFile(id), 'utf8'))))
    if (!owner || !alive(owner)) removeBed(id)
  }
}

const toInt = (a: string) => a.split('.').reduce((n, x) => n * 256 + Number(x), 0)

// A /24 of 10.0.0.0/8 that no route of this machine overlaps.
function freeSubnet(): string {
  const taken = ip('-4', 'route', 'show', 'table', 'all')
    .split('\n')
    .map((l) => /^(?:\S+ )?(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ base: toInt(m[1]!), bits: Number(m[2] ?? 32) }))
  const overlaps = (net: number) =>
    taken.some(({ base, bits }) => {
      const common = Math.min(bits, 24)
      const mask = common === 0 ? 0 : (0xffffffff << (32 - common)) >>> 0
      return (base & mask) >>> 0 === (net & mask) >>> 0
    })
  for (let tries = 0; tries < 64; tries++) {
    const net = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`
    if (!overlaps(toInt(`${net}.0`))) return net
  }
  throw new Error('test bed: found no free 10.x.y.0/24 subnet for the hosts')
}

/** One host of the bed: its namespace, address and the names /etc/hosts gives it. */
export interface NetHost {
  name: string
  ns: string
  address: string
  /** The switch's side of its cable (down: unplugged). */
  port: string
}

/** The bed's network; every method is synchronous and quick (ip commands). */
export class BedNetwork {
  readonly id = Math.random().toString(16).slice(2, 6)
  readonly subnet = freeSubnet()
  readonly operatorAddress = `${this.subnet}.1`
  readonly hosts: NetHost[] = []
  private readonly switchNs = `${PREFIX}${this.id}-switch`
  private readonly operatorLink = `ktb${this.id}op`

  constructor() {
    sweepStaleBeds()
    writeFileSync(ownerFile(this.id), String(process.pid))
    try {
      ip('netns', 'add', this.switchNs)
      ip('-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge')
      ip('-n', this.switchNs, 'link', 'set', 'br0', 'up')
      ip('link', 'add', this.operatorLink, 'type', 'veth', 'peer', 'name', 'op', 'netns', this.switchNs)
      ip('-n', this.switchNs, 'link', 'set', 'op', 'master', 'br0', 'up')
      ip('addr', 'add', `${this.operatorAddress}/24`, 'dev', this.operatorLink)
      ip('link', 'set', this.operatorLink, 'up')
    } catch (err) {
      this.destroy()
      throw err
    }
  }

  /** Adds a host on the bridge at the next address. */
  addHost(name: string): NetHost {
    const host: NetHost = {
      name,
      ns: `${PREFIX}${this.id}-${name}`,
      address: `${this.subnet}.${11 + this.hosts.length}`,
      port: `p${this.hosts.length}`,
    }
    ip('netns', 'add', host.ns)
    ip('-n', this.switchNs, 'link', 'add', host.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns)
    ip('-n', this.switchNs, 'link', 'set', host.port, 'master', 'br0', 'up')
    ip('-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0')
    ip('-n', host.ns, 'link', 'set', 'eth0', 'up')
    ip('-n', host.ns, 'link', 'set', 'lo', 'up')
    this.hosts.push(host)
    return host
  }

  /**
   * Writes every host's /etc/hosts (`ip netns exec` mounts /etc/netns/<ns>/ over /etc):
   * `names` maps an address to the host names it answers to. resolv.conf is empty, so a
   * name outside the bed is never looked up anywhere.
   */
  writeHostsFiles(names: Map<string, string[]>): void {
    const text = ['127.0.0.1 localhost', ...[...names].map(([addr, n]) => `${addr} ${n.join(' ')}`)].join('\n')
    for (const h of this.hosts) {
      const dir = join(NETNS_ETC, h.ns)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'hosts'), `${text}\n`)
      writeFileSync(join(dir, 'resolv.conf'), '')
    }
  }

  /** The host's cable: unplugged (false) or plugged back (true). */
  setLink(host: NetHost, up: boolean): void {
    ip('-n', this.switchNs, 'link', 'set', host.port, up ? 'up' : 'down')
  }

  /** Whether the switch's side of the host's cable is up. */
  linkUp(host: NetHost): boolean {
    return /state UP|,UP/.test(ip('-n', this.switchNs, 'link', 'show', host.port))
  }

  /** Kills every process of every host and removes the namespaces and files. */
  destroy(): void {
    removeBed(this.id)
  }
}
