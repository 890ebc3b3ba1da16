// Following what the cluster runs for the autopilot: the sweep until it ends (a progress
// event whenever a trial changes), and the ensemble job until it ends or a deadline passes.
import type { NatsConnection } from '@nats-io/transport-node'
import { JobsClient, SweepsClient, type SweepDetail } from '@kiln/client'
import { isTerminal, type ShowReply, type SweepRecord } from '@kiln/protocol'

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms))

/**
 * Polls the sweep every `pollMs` until it ends; `onProgress` hears each change of its trials.
 * Past `stopAt` (ms since the epoch) a sweep still running is stopped: its running trials are
 * cancelled, the finished ones keep their models.
 */
export async function followSweep(
  nc: NatsConnection,
  id: string,
  pollMs: number,
  onProgress: (sweep: SweepRecord) => void,
  stopAt = Number.POSITIVE_INFINITY,
): Promise<SweepDetail & { cancelled?: string[] }> {
  const sweeps = new SweepsClient(nc)
  let detail = await sweeps.show(id)
  let shape = ''
  let cancelled: string[] | undefined
  while (!isTerminal(detail.sweep.state)) {
    const now = JSON.stringify(detail.sweep.leaderboard.map((r) => [r.state, r.t]))
    if (now !== shape) onProgress(detail.sweep)
    shape = now
    if (!cancelled && Date.now() >= stopAt) cancelled = (await sweeps.stop(id)).cancelled
    await sleep(pollMs)
    detail = await sweeps.show(id)
  }
  return cancelled ? { ...detail, cancelled } : detail
}

/** Polls a job until it ends or `deadline` (ms since the epoch) passes; its last view. */
export async function followJob(nc: NatsConnection, id: string, pollMs: number, deadline: number): Promise<ShowReply> {
  const jobs = new JobsClient(nc)
  let shown = await jobs.show(id)
  while (!isTerminal(shown.job!.state) && Date.now() < deadline) {
    await sleep(pollMs)
    shown = await jobs.show(id)
  }
  return shown
}
