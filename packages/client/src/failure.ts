// Why a run failed, as every view shows it (kiln trials/logs/submit --watch/sweep show, the
// dashboard): the error's message and code and, for a trial script's own exception, where in
// the user's files it was thrown (data.frames, mapped through the bundle's source map).

/** A record's error as it arrives: a rebuilt KilnError or its wire form. */
export interface ErrorLike {
  name?: string
  code?: string
  message?: string
  data?: Record<string, unknown> | undefined
}

/** What a failure says, ready to print. */
export interface Failure {
  message: string
  code: string
  /** `file:line:col` of the innermost frame in the user's own code, when known. */
  at?: string
  /** The user's frames, innermost first (`at fn (file:line:col)`), at most a few. */
  frames: string[]
}

/** The failure of a record (`{error?}`), or undefined when it holds none. */
export function failureOf(record: { error?: ErrorLike | undefined } | undefined): Failure | undefined {
  const e = record?.error
  if (!e) return undefined
  const frames = Array.isArray(e.data?.frames) ? e.data.frames.filter((f): f is string => typeof f === 'string') : []
  const at = typeof e.data?.at === 'string' ? e.data.at : undefined
  return {
    message: e.message || e.name || 'failed (no reason given)',
    code: e.code ?? 'internal',
    ...(at ? { at } : {}),
    frames,
  }
}

/** The failure as one line: `message (at file:line) [code]`. */
export function failureLine(f: Failure): string {
  return `${f.message}${f.at && !f.message.includes(f.at) ? ` (at ${f.at})` : ''} [${f.code}]`
}
