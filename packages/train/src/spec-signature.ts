// The signature a trained model is saved with: Kiln's names, or those the job spec chose
// (`signature: {inputs: [...], outputs: [...]}`). A builtin model's counts are checked with
// the spec; a script model's only once it is built, here.
import { SpecError } from './errors.js'
import { signatureOf, type ModelSignature } from './model-format.js'
import type { Spec } from './spec-schema.js'

type Shapes = readonly { shape: readonly (number | null)[] }[]

/** The model's signature with the spec's tensor names; SpecError when a count does not match the model. */
export function specSignature(
  spec: Pick<Spec, 'signature'>,
  inputs: Shapes,
  outputs: Shapes,
  classNames?: readonly string[],
): ModelSignature {
  const names = spec.signature ?? {}
  for (const [kind, has] of [
    ['inputs', inputs.length],
    ['outputs', outputs.length],
  ] as const) {
    const given = names[kind]?.length
    if (given !== undefined && given !== has) {
      const what = `${has} name${has === 1 ? '' : 's'} (the model has ${has} ${has === 1 ? kind.slice(0, -1) : kind})`
      throw new SpecError('spec', [
        { field: `signature.${kind}`, message: `signature.${kind}: expected ${what}, got ${given}` },
      ])
    }
  }
  return signatureOf(inputs, outputs, classNames, names)
}
