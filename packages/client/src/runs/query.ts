// `--where` expressions over runs: comparisons (== != < <= > >=) of names and literals,
// combined with and/or/not and parentheses. A name is a run field (state, name,
// experiment, kind, id, job, sweep, model, notes), `tags.X`, `params.X` (a dotted spec path)
// or `metrics.X`; any other name is a metric (`test_accuracy > 0.9`). A comparison with a
// missing value is false. Compiled once to a closure, so filtering 10,000 runs is one pass.
import { queryError, tokenize, type Token } from './query-lexer.js'
import type { Run } from './run-record.js'

type Value = unknown
type Getter = (run: Run) => Value

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

function same(a: Value, b: Value): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

function compare(op: string, a: Value, b: Value): boolean {
  if (a === undefined || b === undefined) return false
  if (op === '==') return same(a, b)
  if (op === '!=') return !same(a, b)
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false
  const x = a as number | string
  const y = b as number | string
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y
}

/** Parses and compiles `src`; a ValidationError naming the position of the first problem. */
export function compileWhere(src: string): RunPredicate {
  const tokens = tokenize(src)
  let i = 0
  const peek = () => tokens[i]!
  const take = () => tokens[i++]!
  const describe = (t: Token) => (t.kind === 'end' ? 'the end of the expression' : JSON.stringify(t.text))

  const operand = (): Getter => {
    const t = take()
    switch (t.kind) {
      case 'number':
      case 'string':
        return () => t.value
      case 'true':
        return () => true
      case 'false':
        return () => false
      case 'name':
        return getterOf(t.value)
      case '(': {
        const inner = or()
        const close = take()
        if (close.kind !== ')') throw queryError(src, close.at, 'a closing )', describe(close))
        return inner
      }
      default:
        throw queryError(src, t.at, 'a name, number, "string" or (', describe(t))
    }
  }
  const comparison = (): Getter => {
    const left = operand()
    if (peek().kind !== 'op') return left
    const op = take() as Extract<Token, { kind: 'op' }>
    const next = peek()
    if (!['number', 'string', 'name', 'true', 'false', '('].includes(next.kind))
      throw queryError(src, next.at, `a value after ${op.value}`, describe(next))
    const right = operand()
    return (r) => compare(op.value, left(r), right(r))
  }
  const not = (): Getter => {
    if (peek().kind !== 'not') return comparison()
    take()
    const inner = not()
    return (r) => !truthy(inner(r))
  }
  const and = (): Getter => {
    let left = not()
    while (peek().kind === 'and') {
      take()
      const a = left
      const b = not()
      left = (r) => truthy(a(r)) && truthy(b(r))
    }
    return left
  }
  const or = (): Getter => {
    let left = and()
    while (peek().kind === 'or') {
      take()
      const a = left
      const b = and()
      left = (r) => truthy(a(r)) || truthy(b(r))
    }
    return left
  }
  if (peek().kind === 'end') throw queryError(src, 0, 'an expression', 'nothing')
  const root = or()
  const end = peek()
  if (end.kind !== 'end') throw queryError(src, end.at, 'and, or, a comparison or the end', describe(end))
  return (r) => truthy(root(r))
}

function truthy(v: Value): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== ''
}
