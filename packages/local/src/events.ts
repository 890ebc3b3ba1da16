import type { StopResult } from './process-control.js'

/** Progress of `kiln up`, the foreground supervisor and `kiln down`, for the CLI to print. */
export type ClusterEvent =
  | { event: 'found'; url: string; dead: string[]; supervised: boolean }
  | { event: 'starting'; name: string }
  | { event: 'ready'; name: string; pid: number; ms: number }
  /** This build of the CLI has no `kiln <command>` (yet): the cluster runs without it. */
  | { event: 'missing'; name: string; command: string }
  | { event: 'exited'; name: string; code: number | null; signal: string | null }
  | { event: 'restarting'; name: string; attempt: number; delayMs: number }
  | { event: 'gave-up'; name: string; restarts: number }
  | { event: 'stopping'; name: string }
  | { event: 'stopped'; name: string; how: StopResult }

/** Where events go; the default drops them. */
export type OnClusterEvent = (e: ClusterEvent) => void
