// Cron schedules for pipeline triggers: five fields (minute hour day-of-month month
// day-of-week), each `*`, a number, a range `a-b`, a list `a,b` or a step `*/n` / `a-b/n`;
// day-of-week 0-7 (0 and 7 are Sunday). Times are UTC. As in Vixie cron, when both day
// fields are restricted a day matches either.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  minutes: Set<number>
  hours: Set<number>
  days: Set<number>
  months: Set<number>
  weekdays: Set<number>
  /** Whether the day-of-month / day-of-week fields were `*`. */
  anyDay: boolean
  anyWeekday: boolean
}

function parseField(text: string, f: (typeof FIELDS)[number]): Set<number> | string {
  const out = new Set<number>()
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part)
    if (!m) return `expected a ${f.name} field (*, N, A-B, lists and /STEP), got ${JSON.stringify(part)}`
    const step = m[2] === undefined ? 1 : Number(m[2])
    let [lo, hi] = m[1] === '*' ? [f.min, f.max] : (m[1]!.split('-').map(Number) as [number, number?])
    if (hi === undefined) hi = m[2] === undefined ? lo : f.max
    if (lo < f.min || hi > f.max || lo > hi || step < 1)
      return `expected ${f.name} values from ${f.min} to ${f.max}, got ${JSON.stringify(part)}`
    for (let v = lo; v <= hi; v += step) out.add(v)
  }
  return out
}

/** Parses a schedule; a string saying what is wrong when it is not one. */
export function parseCron(text: string): CronSchedule | string {
  const parts = text.trim().split(/\s+/)
  if (parts.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length} in ${JSON.stringify(text)}`
  const sets: Set<number>[] = []
  for (let i = 0; i < 5; i++) {
    const r = parseField(parts[i]!, FIELDS[i]!)
    if (typeof r === 'string') return r
    sets.push(r)
  }
  const weekdays = sets[4]!
  if (weekdays.has(7)) weekdays.add(0)
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    anyDay: parts[2] === '*',
    anyWeekday: parts[4] === '*',
  }
}

/** What is wrong with a schedule, or undefined when it is one. */
export function checkCron(text: string): string | undefined {
  const r = parseCron(text)
  return typeof r === 'string' ? r : undefined
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate())
  const dow = s.weekdays.has(d.getUTCDay())
  if (s.anyDay && s.anyWeekday) return true
  if (s.anyDay) return dow
  if (s.anyWeekday) return dom
  return dom || dow
}

/** The first time strictly after `after` (ms since the epoch) that the schedule names; undefined if none within 5 years. */
export function nextCronTime(schedule: CronSchedule, after: number): number | undefined {
  const d = new Date(Math.floor(after / 60_000) * 60_000 + 60_000)
  const limit = after + 5 * 366 * 24 * 3600_000
  while (d.getTime() <= limit) {
    if (!s(schedule.months, d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1)
      d.setUTCHours(0, 0, 0, 0)
      continue
    }
    if (!dayMatches(schedule, d)) {
      d.setUTCDate(d.getUTCDate() + 1)
      d.setUTCHours(0, 0, 0, 0)
      continue
    }
    if (!s(schedule.hours, d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0)
      continue
    }
    if (!s(schedule.minutes, d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0)
      continue
    }
    return d.getTime()
  }
  return undefined
}

const s = (set: Set<number>, v: number) => set.has(v)
