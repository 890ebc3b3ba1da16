// The tokens of an expression (`kiln runs --where`, a pipeline's condition): numbers, quoted
// strings, names (dotted paths such as tags.team or champion.test_accuracy), arithmetic and
// comparison operators, and/or/not and parentheses. Every token keeps its position, so an
// error can point at it.
import { ValidationError } from './errors.js'

export type Token =
  | { kind: 'number'; value: number; at: number; text: string }
  | { kind: 'string'; value: string; at: number; text: string }
  | { kind: 'name'; value: string; at: number; text: string }
  | { kind: 'op'; value: '==' | '!=' | '<' | '<=' | '>' | '>='; at: number; text: string }
  | { kind: 'arith'; value: '+' | '-' | '*' | '/'; at: number; text: string }
  | { kind: 'and' | 'or' | 'not' | '(' | ')' | 'true' | 'false' | 'end'; at: number; text: string }

/** A bad expression: `where: expected X at position N, got Y`, with the position in data. */
export function expressionError(
  expression: string,
  at: number,
  expected: string,
  got: string,
  field = 'where',
): ValidationError {
  return new ValidationError(field, `${expected} at position ${at + 1}`, {
    got,
    data: { position: at + 1, expression },
  })
}

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/
const OPS = ['==', '!=', '<=', '>=', '<', '>', '=', '&&', '||', '!', '+', '-', '*', '/'] as const
// After one of these a '-' subtracts; anywhere else it starts a negative number.
const OPERAND_END = new Set<Token['kind']>(['number', 'string', 'name', ')', 'true', 'false'])
const WORDS: Record<string, Token['kind']> = { and: 'and', or: 'or', not: 'not', true: 'true', false: 'false' }

/** Splits an expression into tokens, ending with an `end` token; `field` names it in errors. */
export function tokenize(src: string, field = 'where'): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const rest = src.slice(i)
    if (c === '(' || c === ')') {
      out.push({ kind: c, at: i, text: c })
      i++
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      let value = ''
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++
        value += src[j]
        j++
      }
      if (j >= src.length) throw expressionError(src, i, `a closing ${c}`, 'the end of the expression', field)
      out.push({ kind: 'string', value, at: i, text: src.slice(i, j + 1) })
      i = j + 1
      continue
    }
    const subtracts = out.length > 0 && OPERAND_END.has(out[out.length - 1]!.kind)
    const num =
      NUMBER.exec(rest) ?? (c === '-' && !subtracts ? /^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest) : null)
    if (num) {
      out.push({ kind: 'number', value: Number(num[0]), at: i, text: num[0] })
      i += num[0].length
      continue
    }
    const name = NAME.exec(rest)
    if (name) {
      const word = WORDS[name[0].toLowerCase()]
      out.push(
        word ? ({ kind: word, at: i, text: name[0] } as Token) : { kind: 'name', value: name[0], at: i, text: name[0] },
      )
      i += name[0].length
      continue
    }
    const op = OPS.find((o) => rest.startsWith(o))
    if (!op)
      throw expressionError(
        src,
        i,
        'a name, number, "string", comparison, arithmetic, and/or/not or parenthesis',
        JSON.stringify(c),
        field,
      )
    if (op === '&&') out.push({ kind: 'and', at: i, text: op })
    else if (op === '||') out.push({ kind: 'or', at: i, text: op })
    else if (op === '!') out.push({ kind: 'not', at: i, text: op })
    else if (op === '+' || op === '-' || op === '*' || op === '/')
      out.push({ kind: 'arith', value: op, at: i, text: op })
    else out.push({ kind: 'op', value: op === '=' ? '==' : op, at: i, text: op })
    i += op.length
  }
  out.push({ kind: 'end', at: src.length, text: '' })
  return out
}
