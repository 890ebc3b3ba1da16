// A trial's log lines and metrics, read straight from their JetStream streams.
import type { NatsConnection } from '@nats-io/transport-node'
import {
  LogMessageSchema,
  MetricReportSchema,
  Subjects,
  decode,
  logLinesOf,
  subjectToken,
  type LogLine,
  type MetricReport,
} from '@kiln/protocol'
import { StreamName, readSubject } from '@kiln/cluster-state'
import type { z } from 'zod'

async function* read<S extends z.ZodTypeAny>(
  nc: NatsConnection,
  stream: string,
  subject: string,
  schema: S,
  follow: boolean,
  signal?: AbortSignal,
): AsyncGenerator<z.output<S>> {
  for await (const data of readSubject(nc, stream, subject, { follow, ...(signal ? { signal } : {}) })) {
    try {
      yield decode(schema, data)
    } catch {
      // A malformed entry is skipped: one bad line must not hide the rest.
    }
  }
}

/** A trial's log lines from the start; with follow, keeps waiting for new ones until aborted. */
export async function* trialLogs(
  nc: NatsConnection,
  trialId: string,
  o: { follow?: boolean; signal?: AbortSignal } = {},
): AsyncGenerator<LogLine> {
  const subject = Subjects.logs.trial(subjectToken(trialId, 'trialId'))
  for await (const m of read(nc, StreamName.logs, subject, LogMessageSchema, o.follow ?? false, o.signal))
    yield* logLinesOf(m)
}

/** A trial's metric reports from the start; with follow, keeps waiting for new ones until aborted. */
export function trialMetrics(
  nc: NatsConnection,
  trialId: string,
  o: { follow?: boolean; signal?: AbortSignal } = {},
): AsyncGenerator<MetricReport> {
  return read(
    nc,
    StreamName.metrics,
    Subjects.metrics.trial(subjectToken(trialId, 'trialId')),
    MetricReportSchema,
    o.follow ?? false,
    o.signal,
  )
}
