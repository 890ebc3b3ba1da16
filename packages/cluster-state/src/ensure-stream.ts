// Creates one stream of the layout, or checks the one that is there. Never updates or
// recreates: a stream someone else configured is either usable as it is or refused.
import { millis } from '@nats-io/transport-node'
import { JetStreamApiError, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream'
import { LayoutConflictError } from './errors.js'
import type { FixedField, StreamSpec } from './layout-spec.js'

const STREAM_NAME_IN_USE = 10058
const STREAM_NOT_FOUND = 10059

/** The JetStream API error code of a failed request, if it was one. */
export function apiErrorCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.apiError().err_code : undefined
}

async function infoOrNull(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name)
  } catch (err) {
    if (apiErrorCode(err) === STREAM_NOT_FOUND || (err as Error).message === 'stream not found') return null
    throw err
  }
}

export interface EnsuredStream {
  spec: StreamSpec
  info: StreamInfo
  /** This call's create request succeeded (a concurrent identical create elsewhere also counts). */
  created: boolean
}

/** Makes sure `spec`'s stream exists and is compatible; throws LayoutConflictError if not. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<EnsuredStream> {
  let info = await infoOrNull(jsm, spec.config.name)
  let created = false
  if (!info) {
    try {
      // The server treats a create with the exact config of an existing stream as a no-op,
      // so two processes starting at once both succeed here.
      info = await jsm.streams.add({ ...spec.config })
      created = true
    } catch (err) {
      // Someone created it between our lookup and our create, differently: judge theirs.
      if (apiErrorCode(err) !== STREAM_NAME_IN_USE) throw err
      info = await jsm.streams.info(spec.config.name)
    }
  }
  assertCompatible(spec, info.config)
  return { spec, info, created }
}

function normalized(field: FixedField, value: unknown): string {
  if (field === 'subjects') return [...((value as string[] | undefined) ?? [])].sort().join(', ')
  if (field === 'max_age') return `${millis((value as number | undefined) ?? 0)} ms`
  return String(value ?? '(unset)')
}

/** Throws a LayoutConflictError naming every fixed field in which `have` differs from `spec`. */
export function assertCompatible(spec: StreamSpec, have: StreamConfig): void {
  const problems: { field: FixedField; existing: string; wanted: string }[] = []
  for (const field of spec.fixed) {
    const existing = normalized(field, have[field])
    const wanted = normalized(field, spec.config[field])
    if (existing !== wanted) problems.push({ field, existing, wanted })
  }
  if (problems.length === 0) return
  const what = problems
    .map(
      (p) =>
        `${p.field} is ${p.existing} where Kiln needs ${p.wanted}${spec.why?.[p.field] ? ` (${spec.why[p.field]})` : ''}`,
    )
    .join('; ')
  throw new LayoutConflictError(
    `${spec.kind} ${spec.name} already exists with an incompatible configuration: ${what}. ` +
      `It was left unchanged because recreating it would delete its contents: start every Kiln ` +
      `process with the same settings, or remove stream ${spec.config.name} by hand if its contents may go.`,
    { data: { kind: spec.kind, name: spec.name, stream: spec.config.name, problems } },
  )
}
