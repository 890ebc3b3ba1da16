// An error as a sentence for people, the same in the CLI and the dashboard: Kiln's own errors
// say what they mean already; the NATS client's are terse ("timeout", "no responders: ...").
import { natsFailure } from '@kiln/cluster-state'

/** The error's message, or for a NATS client error what its code means. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const failure = natsFailure(err)
  if (failure === undefined) return err.message
  if (failure === 'timeout')
    return `NATS did not answer in time (${err.message}): the server or its JetStream storage is overloaded or out of reach; try again`
  if (failure === 'no_responders') return `nothing answered on NATS (${err.message}): is the cluster running?`
  return `NATS: ${err.message}`
}
