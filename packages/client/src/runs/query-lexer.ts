// The tokens of a `--where` expression: numbers, quoted strings, names (dotted paths such
// as tags.team or params.optimizer.learningRate), comparison operators, and/or/not and
// parentheses. Every token keeps its position, so an error can point at it.
import { ValidationError } from '@kiln/protocol'

export type Token =
  | { kind: 'number'; value: number; at: number; text: string }
  | { kind: 'string'; value: string; at: number; text: string }
  | { kind: 'name'; value: string; at: number; text: string }
  | { kind: 'op'; value: '==' | '!=' | '<' | '<=' | '>' | '>='; at: number; text: string }
  | { kind: 'and' | 'or' | 'not' | '(' | ')' | 'true' | 'false' | 'end'; at: number; text: string }

/** A bad expression: `where: expected X at position N, got Y`, with the position in data. */
export function queryError(expression: string, at: number, expected: string, got: string): ValidationError {
  return new ValidationError('where', `${expected} at position ${at + 1}`, {
    got,
    data: { position: at + 1, expression },
  })
}

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/
const OPS = ['==', '!=', '<=', '>=', '<', '>', '=', '&&', '||', '!'] as const
const WORDS: Record<string, Token['kind']> = { and: 'and', or: 'or', not: 'not', true: 'true', false: 'false' }

/** Splits an expression into tokens, ending with an `end` token. */
export function tokenize(src: string): Token[] {
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
      if (j >= src.length) throw queryError(src, i, `a closing ${c}`, 'the end of the expression')
      out.push({ kind: 'string', value, at: i, text: src.slice(i, j + 1) })
      i = j + 1
      continue
    }
    const num = NUMBER.exec(rest) ?? (c === '-' ? /^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest) : null)
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
      throw queryError(src, i, 'a name, number, "string", comparison, and/or/not or parenthesis', JSON.stringify(c))
    if (op === '&&') out.push({ kind: 'and', at: i, text: op })
    else if (op === '||') out.push({ kind: 'or', at: i, text: op })
    else if (op === '!') out.push({ kind: 'not', at: i, text: op })
    else out.push({ kind: 'op', value: op === '=' ? '==' : op, at: i, text: op })
    i += op.length
  }
  out.push({ kind: 'end', at: src.length, text: '' })
  return out
}
