// What one run is, as `kiln runs`, its --where expressions and the dashboard see it (built
// by run.ts from job and trial records).
import type { Evaluation } from '@kiln/protocol'

/** One training of the cluster: a job of one trial, or one trial of a sweep. */
export interface Run {
  id: string
  kind: 'job' | 'trial'
  jobId: string
  trialId?: string
  sweepId?: string
  name: string
  experiment: string
  state: string
  tags: Record<string, string | number | boolean>
  notes?: string
  params: Record<string, unknown>
  metrics: Record<string, number>
  evaluation?: Evaluation
  model?: { name: string; version: number }
  createdAt: number
  endedAt?: number
}
