// Options of each trial scheduler, with the defaults of the papers / Ray Tune where they
// exist. `t` is whatever step the trial reports (epochs for builtin trials).
import { z } from 'zod'
import { between, expecting, positiveInt, positiveNumber, strictObject } from '@kiln/protocol'

/** The trial schedulers. */
export const SchedulerName = {
  fifo: 'fifo',
  asha: 'asha',
  hyperband: 'hyperband',
  median: 'median',
  pbt: 'pbt',
} as const
export type SchedulerName = (typeof SchedulerName)[keyof typeof SchedulerName]

/** A mapping of a search section: an unknown key is named with the keys that would fit. */
export function strictSection<T extends z.ZodRawShape>(shape: T, phrase = 'a mapping') {
  return strictObject(shape, phrase, { unknownKeys: 'list' })
}

const reductionFactor = z.number(expecting('a number >= 2')).min(2).finite().default(3)
const maxT = positiveNumber('a positive number (the last step a trial may run to)')

/** Each scheduler's schema, by name. */
export const schedulerSchemas = {
  fifo: strictSection({ name: z.literal('fifo') }),
  asha: strictSection({
    name: z.literal('asha'),
    gracePeriod: positiveNumber().default(1),
    reductionFactor,
    maxT,
    brackets: positiveInt().default(1),
  }),
  hyperband: strictSection({
    name: z.literal('hyperband'),
    gracePeriod: positiveNumber().default(1),
    reductionFactor,
    maxT,
  }),
  median: strictSection({
    name: z.literal('median'),
    gracePeriod: positiveNumber().default(1),
    minSamples: positiveInt().default(3),
    compare: z.enum(['best', 'mean'], expecting('best or mean')).default('best'),
  }),
  pbt: strictSection({
    name: z.literal('pbt'),
    perturbationInterval: positiveNumber(),
    quantileFraction: z.number(expecting('a number above 0 and at most 0.5')).gt(0).max(0.5).default(0.25),
    resampleProbability: between(0, 1).default(0.25),
    mutations: z
      .array(z.string(expecting('a key of search.space')), expecting('a list of search.space keys'))
      .min(1)
      .optional(),
  }),
}

/** A checked scheduler section. */
export type SchedulerSpec = {
  [K in keyof typeof schedulerSchemas]: z.output<(typeof schedulerSchemas)[K]>
}[keyof typeof schedulerSchemas]
