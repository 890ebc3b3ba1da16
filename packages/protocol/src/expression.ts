// The one expression language of Kiln: comparisons (== != < <= > >=) of names, literals and
// arithmetic (+ - * /), combined with and/or/not and parentheses; `and` binds tighter than
// `or`, arithmetic tighter than comparisons. `kiln runs --where` reads names from runs, a
// pipeline's condition step from metrics (`test_accuracy >= champion.test_accuracy - 0.002`).
// A comparison with a missing value is false. Compiled once to a closure.
import { expressionError, tokenize, type Token } from './expression-lexer.js'

/** Reads a name's value from whatever the expression is evaluated on. */
export type Getter<C> = (ctx: C) => unknown

/** A compiled expression. */
export interface CompiledExpression<C> {
  /** Whether the expression holds for `ctx`. */
  test(ctx: C): boolean
  /** Every name it reads, in order of appearance (for explaining a result). */
  names: string[]
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false
  if (op === '==') return same(a, b)
  if (op === '!=') return !same(a, b)
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false
  const x = a as number | string
  const y = b as number | string
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y
}

function arithmetic(op: string, a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined
  return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b
}

function truthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== ''
}

/**
 * Parses and compiles `src`; names are read through `getterOf`. A ValidationError on `field`
 * names the position of the first problem.
 */
export function compileExpression<C>(
  src: string,
  getterOf: (name: string) => Getter<C>,
  field = 'where',
): CompiledExpression<C> {
  const tokens = tokenize(src, field)
  const names: string[] = []
  let i = 0
  const peek = () => tokens[i]!
  const take = () => tokens[i++]!
  const describe = (t: Token) => (t.kind === 'end' ? 'the end of the expression' : JSON.stringify(t.text))
  const fail = (t: Token, expected: string) => expressionError(src, t.at, expected, describe(t), field)
  const startsOperand = (t: Token) => ['number', 'string', 'name', 'true', 'false', '('].includes(t.kind)

  const operand = (): Getter<C> => {
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
        if (!names.includes(t.value)) names.push(t.value)
        return getterOf(t.value)
      case 'arith': {
        if (t.value !== '-' || !startsOperand(peek())) throw fail(t, 'a name, number, "string" or (')
        const inner = operand()
        return (c) => arithmetic('-', 0, inner(c))
      }
      case '(': {
        const inner = or()
        const close = take()
        if (close.kind !== ')') throw fail(close, 'a closing )')
        return inner
      }
      default:
        throw fail(t, 'a name, number, "string" or (')
    }
  }
  const binary = (next: () => Getter<C>, ops: readonly string[]) => (): Getter<C> => {
    let left = next()
    for (let t = peek(); t.kind === 'arith' && ops.includes(t.value); t = peek()) {
      take()
      if (!startsOperand(peek())) throw fail(peek(), `a value after ${t.value}`)
      const a = left
      const b = next()
      left = (c) => arithmetic(t.value, a(c), b(c))
    }
    return left
  }
  const product = binary(operand, ['*', '/'])
  const sum = binary(product, ['+', '-'])
  const comparison = (): Getter<C> => {
    const left = sum()
    if (peek().kind !== 'op') return left
    const op = take() as Extract<Token, { kind: 'op' }>
    if (!startsOperand(peek())) throw fail(peek(), `a value after ${op.value}`)
    const right = sum()
    return (c) => compare(op.value, left(c), right(c))
  }
  const not = (): Getter<C> => {
    if (peek().kind !== 'not') return comparison()
    take()
    const inner = not()
    return (c) => !truthy(inner(c))
  }
  const and = (): Getter<C> => {
    let left = not()
    while (peek().kind === 'and') {
      take()
      const a = left
      const b = not()
      left = (c) => truthy(a(c)) && truthy(b(c))
    }
    return left
  }
  const or = (): Getter<C> => {
    let left = and()
    while (peek().kind === 'or') {
      take()
      const a = left
      const b = and()
      left = (c) => truthy(a(c)) || truthy(b(c))
    }
    return left
  }
  if (peek().kind === 'end') throw expressionError(src, 0, 'an expression', 'nothing', field)
  const root = or()
  const end = peek()
  if (end.kind !== 'end') throw fail(end, 'and, or, a comparison or the end')
  return { test: (c) => truthy(root(c)), names }
}
