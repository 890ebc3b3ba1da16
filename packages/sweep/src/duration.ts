const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/**
 * Milliseconds in a duration written as `30m`, `1h30m`, `45s`, `500ms` or `2d`; undefined
 * when the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  const compact = text.replace(/\s+/g, '')
  if (!WHOLE.test(compact)) return undefined
  let ms = 0
  for (const [, amount, unit] of compact.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]
  return ms > 0 ? ms : undefined
}
