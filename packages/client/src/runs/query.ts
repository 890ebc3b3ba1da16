// `--where` expressions over runs, in the shared expression language of @kiln/protocol. A
// name is a run field (state, name, experiment, kind, id, job, sweep, model, notes),
// `tags.X`, `params.X` (a dotted spec path) or `metrics.X`; any other name is a metric
// (`test_accuracy > 0.9`). Compiled once to a closure, so filtering 10,000 runs is one pass.
import { compileExpression } from '@kiln/protocol'
import type { Run } from './run-record.js'

type Getter = (run: Run) => unknown

/** A compiled expression: true for the runs it selects. */
export type RunPredicate = (run: Run) => boolean

const FIELDS: Record<string, Getter> = {
  id: (r) => r.id,
  kind: (r) => r.kind,
  state: (r) => r.state,
  name: (r) => r.name,
  experiment: (r) => r.experiment,
  job: (r) => r.jobId,
  sweep: (r) => r.sweepId,
  notes: (r) => r.notes,
  model: (r) => (r.model ? `${r.model.name}@${r.model.version}` : undefined),
}

/** What a name in an expression reads from a run. */
export function getterOf(name: string): Getter {
  const field = FIELDS[name]
  if (field) return field
  const dot = name.indexOf('.')
  const head = dot < 0 ? '' : name.slice(0, dot)
  const rest = name.slice(dot + 1)
  if (head === 'tags') return (r) => r.tags[rest]
  if (head === 'params') return (r) => r.params[rest]
  if (head === 'metrics') return (r) => r.metrics[rest]
  return (r) => r.metrics[name]
}

/** Parses and compiles `src`; a ValidationError naming the position of the first problem. */
export function compileWhere(src: string): RunPredicate {
  return compileExpression(src, getterOf).test
}
