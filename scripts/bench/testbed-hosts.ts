// bench:dp --testbed: the ranks on two hosts of the multi-host test bed (network namespaces
// on a bridge, test/multihost/bed/network.ts; needs root), the nats-server at the
// operator's seat, a third address on the same bridge. Every rank's bytes then cross two
// veth pairs and the bridge, instead of loopback.
import { BedNetwork, testbedUnavailable } from '../../test/multihost/bed/network.js'

export interface TwoHosts {
  /** Where the nats-server listens (reachable from both hosts). */
  serverAddress: string
  /** The command line that runs `argv` on the host of `rank` (even ranks on a, odd on b). */
  onHost(rank: number, argv: string[]): string[]
  close(): void
}

/** Creates the two hosts, or exits saying why the bed cannot run here. */
export function twoHosts(): TwoHosts {
  const why = testbedUnavailable()
  if (why) {
    process.stderr.write(`error: --testbed: ${why}\n`)
    process.exit(2)
  }
  const net = new BedNetwork()
  try {
    const hosts = [net.addHost('a'), net.addHost('b')]
    return {
      serverAddress: net.operatorAddress,
      onHost: (rank, argv) => ['ip', 'netns', 'exec', hosts[rank % 2]!.ns, ...argv],
      close: () => net.destroy(),
    }
  } catch (err) {
    net.destroy()
    throw err
  }
}
