// An error as a sentence for people, the same in the CLI and the dashboard: Kiln's own errors
// say what they mean already; the NATS client's are bare codes ("TIMEOUT", "503").

/** The error's message, or for a NATS client error what its code means. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  if (err.name !== 'NatsError') return err.message
  const code = (err as { code?: string }).code
  if (code === 'TIMEOUT' || code === '408')
    return `NATS did not answer in time (${err.message}): the server or its JetStream storage is overloaded or out of reach; try again`
  if (code === '503') return `nothing answered on NATS (${err.message}): is the cluster running?`
  return `NATS: ${err.message}`
}
