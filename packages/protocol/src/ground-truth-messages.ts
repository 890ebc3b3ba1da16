// Ground truth shared between gateway replicas: a replica remembers the predictions it
// served, so truth posted to any replica is sent to all of them on `kiln.gateway.api.truth`
// (no queue group) and the one that served each request scores it.
import { z } from 'zod'
import { count, id, message, text } from './fields.js'
import { expecting } from './schema-kit.js'

/** The most labelled requests one share carries (as one POST of ground truth). */
export const MAX_TRUTH_RECORDS = 10_000

/** What each replica is asked to score: true labels of requests to endpoint (or model) `name`. */
export const GroundTruthShareSchema = message('ground truth share', {
  name: id('an endpoint or model name'),
  truth: z
    .array(
      z.object(
        {
          id: text(256, 'a request id'),
          labels: z.array(count, expecting('class indices, one per row')).min(1).max(65_536),
        },
        expecting('a labelled request ({id, labels})'),
      ),
      expecting(`a list of 1-${MAX_TRUTH_RECORDS} labelled requests`),
    )
    .min(1)
    .max(MAX_TRUTH_RECORDS),
})
export type GroundTruthShare = z.infer<typeof GroundTruthShareSchema>

/** What one labelled request did at a replica. */
export const TRUTH_OUTCOMES = ['matched', 'unknown', 'mismatched-rows'] as const
export type TruthOutcome = (typeof TRUTH_OUTCOMES)[number]

/** One replica's answer: an outcome per labelled request, in order. */
export const GroundTruthOutcomesSchema = message('ground truth outcomes', {
  gateway: text(128, 'a gateway id'),
  outcomes: z
    .array(z.enum(TRUTH_OUTCOMES, expecting('matched, unknown or mismatched-rows')), expecting('a list of outcomes'))
    .max(MAX_TRUTH_RECORDS),
})
export type GroundTruthOutcomes = z.infer<typeof GroundTruthOutcomesSchema>
