// What a cluster job runs: a training spec (kiln submit, kiln sweep) or a transform spec
// (kiln transform, kind: transform). The coordinator places both the same way; this says
// what placement needs of either.
import { validateSpec } from './spec.js'
import type { Spec } from './spec-schema.js'
import { isTransformSpec, validateTransformSpec, type TransformSpec } from './transform/transform-spec.js'

/** A job's spec: training or transform. */
export type JobSpec = Spec | TransformSpec

/** Checks either kind of job spec (by its `kind`); SpecError naming every problem. */
export function validateJobSpec(value: unknown, source = 'spec'): JobSpec {
  return isTransformSpec(value) ? validateTransformSpec(value, source) : validateSpec(value, source)
}

/** What placing a job's trials needs: a GPU slot or not, ranks per trial, and how trials rank (best metric). */
export function jobDemand(spec: JobSpec): { gpu: boolean; replicas: number; mode: 'min' | 'max' } {
  if ('kind' in spec) return { gpu: spec.resources.gpu, replicas: 1, mode: 'max' }
  return { gpu: spec.resources.gpu, replicas: spec.resources.replicas, mode: spec.metric.mode }
}
