// What the model registry keeps beyond the immutable version records: per model its aliases
// (champion → 4) and each version's approval and archival, and the cluster's registry
// settings. Kept in the kiln_model_registry KV bucket (key `m.<model>`, and `settings`),
// written only by the coordinator, through the `kiln.api.models` request.
import { z } from 'zod'
import { id, message, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'

/** How many approval decisions a version keeps (newest first). */
export const APPROVAL_HISTORY = 10

/** Approval states of a model version. */
export const Approval = { pending: 'pending', approved: 'approved', rejected: 'rejected' } as const
export type Approval = (typeof Approval)[keyof typeof Approval]

const versionNumber = z.number(expecting('a version number >= 1')).int().min(1)
// Aliases are names people type (`champion`, `staging`); digits alone would read as versions.
const aliasName = z
  .string(expecting('an alias: 1-63 of a-z 0-9 _ -, starting with a letter (not "latest")'))
  .regex(/^[a-z][a-z0-9_-]{0,62}$/)
  .refine((a) => a !== 'latest', { message: 'an alias other than "latest" (that name means the newest version)' })

/** Who decided and why. */
const decision = z.object(
  {
    status: z.enum(['approved', 'rejected'], expecting('"approved" or "rejected"')),
    by: text(128, 'who decided'),
    reason: text(1024, 'a reason').optional(),
    at: timestamp,
  },
  expecting('a decision ({status, by, reason?, at})'),
)
export type ApprovalDecision = z.infer<typeof decision>

/** The mutable state of one version. */
export const VersionStateSchema = z.object(
  {
    /** Newest first; the first one is the version's approval (none: pending). */
    decisions: z.array(decision, expecting(`a list of at most ${APPROVAL_HISTORY} decisions`)).max(APPROVAL_HISTORY),
    /** Set when the version's files were deleted to reclaim storage; its record stays. */
    archived: z
      .object({ by: text(128, 'who archived it'), at: timestamp }, expecting('an archival ({by, at})'))
      .optional(),
    /** Set when the version's record and files were deleted: the number is never used again. */
    deleted: z
      .object({ by: text(128, 'who deleted it'), at: timestamp }, expecting('a deletion ({by, at})'))
      .optional(),
  },
  expecting('a version state ({decisions, archived?, deleted?})'),
)
export type VersionState = z.infer<typeof VersionStateSchema>

/** One model's aliases and version states (key `m.<model>` in kiln_model_registry). */
export const ModelRegistryRecordSchema = message('model registry', {
  model: id('a model name'),
  aliases: z.record(aliasName, versionNumber, expecting('an object of aliases to version numbers')),
  /** Keyed by the version number as a string. */
  versions: z.record(
    z.string(expecting('a version number')).regex(/^[1-9][0-9]*$/),
    VersionStateSchema,
    expecting('an object of version numbers to states'),
  ),
  updatedAt: timestamp,
})
export type ModelRegistryRecord = z.infer<typeof ModelRegistryRecordSchema>

/** Cluster-wide registry settings (key `settings`). */
export const RegistrySettingsSchema = message('registry settings', {
  /** Deploy refuses versions that are not approved. */
  requireApproval: z.boolean(expecting('true or false')),
  by: text(128, 'who changed it'),
  updatedAt: timestamp,
})
export type RegistrySettings = z.infer<typeof RegistrySettingsSchema>

const who = text(128, 'who asks (a user name)')
const model = id('a model name')

/** Client → coordinator on `kiln.api.models`: one change to the registry. */
export const ModelsRequestSchema = z
  .discriminatedUnion(
    'op',
    [
      z.object({ v: z.literal(1), op: z.literal('alias'), model, alias: aliasName, version: versionNumber, by: who }),
      z.object({ v: z.literal(1), op: z.literal('unalias'), model, alias: aliasName, by: who }),
      z.object({
        v: z.literal(1),
        op: z.enum(['approve', 'reject']),
        model,
        version: versionNumber,
        by: who,
        reason: text(1024, 'a reason').optional(),
      }),
      z.object({ v: z.literal(1), op: z.enum(['archive', 'delete']), model, version: versionNumber, by: who }),
      z.object({ v: z.literal(1), op: z.literal('settings'), requireApproval: z.boolean(), by: who }),
    ],
    expecting('a models request with op "alias", "unalias", "approve", "reject", "archive", "delete" or "settings"'),
  )
  .describe('models')
export type ModelsRequest = z.infer<typeof ModelsRequestSchema>

/** The coordinator's answer on `kiln.api.models`: the model's record, or the settings. */
export const ModelsReplySchema = z.union([
  z.object({ registry: ModelRegistryRecordSchema }),
  z.object({ settings: RegistrySettingsSchema }),
])
export type ModelsReply = z.infer<typeof ModelsReplySchema>

/** The approval of a version from its state: the latest decision, else pending. */
export function approvalOf(state: VersionState | undefined): Approval {
  return state?.decisions[0]?.status ?? Approval.pending
}

export { aliasName as AliasNameSchema }
