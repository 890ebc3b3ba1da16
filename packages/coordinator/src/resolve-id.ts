// Ids as people type them: the whole id, or (as in git) any prefix of one that no other id
// shares. One space for sweeps, jobs and trials, so `kiln trials sweep-3f`, `kiln logs
// job-8a1c-t0` and `kiln sweep show sweep-3f` all take what `kiln jobs` printed, shortened.
import { NotFoundError, ValidationError } from '@kiln/protocol'

/** A kind of record and the ids it has now. */
export interface IdSpace {
  kind: string
  has(id: string): boolean
  ids(): Iterable<string>
}

// An ambiguous prefix lists this many of the ids it matches.
const SHOWN = 5

/**
 * The id `typed` names in `spaces`: an exact id, else the one id it starts (or the one whose
 * own prefix the others share: a job before its trials).
 */
export function resolveId(typed: string, spaces: readonly IdSpace[]): string {
  if (spaces.some((s) => s.has(typed))) return typed
  const matches = new Set<string>()
  for (const space of spaces) for (const id of space.ids()) if (id.startsWith(typed)) matches.add(id)
  if (matches.size === 1) return [...matches][0]!
  // A job's id starts its trials' ids (job-8a1c, job-8a1c-t0): a prefix of all of them names the job.
  const shortest = [...matches].sort((a, b) => a.length - b.length)[0]
  if (shortest !== undefined && [...matches].every((id) => id.startsWith(shortest))) return shortest
  const kinds = spaces.map((s) => s.kind).join(', ')
  if (matches.size === 0) throw new NotFoundError(kinds.replace(/, ([^,]*)$/, ' or $1'), typed)
  const some = [...matches].sort().slice(0, SHOWN)
  const more = matches.size > SHOWN ? `, and ${matches.size - SHOWN} more` : ''
  throw new ValidationError('id', `a prefix of one id only`, {
    got: `"${typed}", which starts ${matches.size} ids: ${some.join(', ')}${more}`,
    data: { matches: some },
  })
}
