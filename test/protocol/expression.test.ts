// The shared expression language (kiln runs --where, pipeline conditions): arithmetic binds
// tighter than comparisons, '-' subtracts after a value and negates before one (names may
// hold '-', so it needs spaces around it after a name), a missing
// value makes a comparison false, and errors point at the position.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compileExpression } from '@kiln/protocol'

const expr = suite('protocol - expressions')
const values: Record<string, unknown> = { test_accuracy: 0.9, 'champion.test_accuracy': 0.901, n: 4 }
const holds = (src: string, ctx = values) => compileExpression(src, (name) => (c: typeof values) => c[name]).test(ctx)

expr('arithmetic against a champion, with precedence and unary minus', () => {
  assert.ok(holds('test_accuracy >= champion.test_accuracy - 0.002'))
  assert.not.ok(holds('test_accuracy >= champion.test_accuracy - 0.0001'))
  assert.ok(holds('n * 2 + 1 == 9 and -n < 0'))
  assert.ok(holds('(n + 2) * 2 == 12'))
  assert.ok(holds('test_accuracy > 0.8 or missing > 1'))
  assert.not.ok(holds('missing - 1 < 5'), 'arithmetic on a missing value is missing')
})

expr('names are listed and errors name the field and position', () => {
  const c = compileExpression('a + b > c', () => () => 1, 'condition')
  assert.equal(c.names, ['a', 'b', 'c'])
  assert.throws(
    () => compileExpression('a > 1 +', () => () => 1, 'steps.gate.when'),
    /steps\.gate\.when: expected a value after \+ at position 8, got the end of the expression/,
  )
})

expr.run()
