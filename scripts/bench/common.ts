// Shared by the bench:* scripts: flags, timing, and the one-JSON-object-per-line output.
import { setThreads, threads } from '@kiln/native'

export interface BenchFlags {
  json: boolean
  threads: number | undefined
  shapes: number[][]
  /** The ':SUFFIX' of each --shape (undefined where none was given). */
  shapeSuffixes: (string | undefined)[]
  seconds: number
  /** Values of the script's own positive-integer flags (named in parseFlags' `extra`). */
  extra: Record<string, number>
}

/** Removes `flag VALUE` from `argv` and returns VALUE (undefined when the flag is absent): for flags parseFlags does not take. */
export function takeFlag(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag)
  if (i < 0) return undefined
  const [value] = argv.splice(i, 2).slice(1)
  return value
}

/**
 * Parses --json, --threads T, --shape AxBxC[:SUFFIX] (repeatable; SUFFIX one of
 * `suffixes`), --seconds S and the script's own positive-integer flags in `extra`;
 * exits 2 on a bad flag.
 */
export function parseFlags(
  argv: string[],
  shapeParts: number,
  extra: string[] = [],
  suffixes: string[] = [],
): BenchFlags {
  const flags: BenchFlags = { json: false, threads: undefined, shapes: [], shapeSuffixes: [], seconds: 1, extra: {} }
  const fail = (msg: string): never => {
    process.stderr.write(`error: ${msg}\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') continue
    if (arg === '--json') flags.json = true
    else if (extra.includes(arg)) {
      const v = Number(argv[++i])
      if (!Number.isInteger(v) || v < 1) fail(`${arg} expects a positive integer, got '${argv[i]}'`)
      flags.extra[arg] = v
    } else if (arg === '--threads' || arg === '--shape' || arg === '--seconds') {
      const value = argv[++i]
      if (value === undefined) fail(`${arg} needs a value`)
      if (arg === '--threads') {
        const t = Number(value)
        if (!Number.isInteger(t) || t < 1) fail(`--threads expects a positive integer, got '${value}'`)
        flags.threads = t
      } else if (arg === '--seconds') {
        const s = Number(value)
        if (!(s > 0)) fail(`--seconds expects a positive number, got '${value}'`)
        flags.seconds = s
      } else {
        const [dims, suffix] = value!.split(':')
        const parts = dims!.split('x').map(Number)
        if (parts.length !== shapeParts || parts.some((p) => !Number.isInteger(p) || p < 1))
          fail(`--shape expects ${shapeParts} positive integers joined by 'x', got '${value}'`)
        if (suffix !== undefined && !suffixes.includes(suffix))
          fail(`--shape suffix must be one of ${suffixes.join(', ') || '(none)'}, got '${suffix}'`)
        flags.shapes.push(parts)
        flags.shapeSuffixes.push(suffix)
      }
    } else fail(`unknown flag '${arg}'`)
  }
  if (flags.threads !== undefined) setThreads(flags.threads)
  else flags.threads = threads()
  return flags
}

/** Runs fn repeatedly (after warm-up) for about `seconds`; returns mean seconds per call. */
export function timeIt(fn: () => void, seconds: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn()
  let runs = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < seconds * 1e9 || runs < 3) {
    fn()
    runs++
    elapsed = Number(process.hrtime.bigint() - start)
  }
  return elapsed / 1e9 / runs
}

/** Prints one measurement: a JSON line with --json, an aligned table row otherwise. */
export function report(flags: BenchFlags, row: Record<string, string | number | boolean>): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(row)}\n`)
    return
  }
  const cells = Object.entries(row).map(
    ([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`,
  )
  process.stdout.write(`${cells.join('  ')}\n`)
}

/** Deterministic uniform [-1, 1) data so runs are comparable. */
export function randomArray(size: number, seed = 1): Float32Array {
  const out = new Float32Array(size)
  let s = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1
  }
  return out
}

/** Rounds to `digits` decimals for printing. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
