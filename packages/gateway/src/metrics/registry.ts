// A small Prometheus client: counters, gauges and histograms with labels, written in the
// text exposition format (version 0.0.4), which `promtool check metrics` accepts.

type Labels = Record<string, string>

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

/** Go's float formatting as Prometheus expects it (+Inf, -Inf, NaN). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Number.POSITIVE_INFINITY) return '+Inf'
  if (v === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(v)
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i]!)}"`)
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

export abstract class Metric<S extends { values: string[] } = { values: string[]; v: number }> {
  protected readonly series = new Map<string, S>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: string,
  ) {
    if (!NAME.test(name)) throw new Error(`bad metric name ${name}`)
    for (const l of labelNames)
      if (!LABEL.test(l) || l.startsWith('__') || l === 'le') throw new Error(`bad label name ${l}`)
  }

  protected values(labels: Labels): string[] {
    return this.labelNames.map((n) => labels[n] ?? '')
  }

  /** Drops the series with exactly these labels (a model that was unloaded). */
  remove(labels: Labels): void {
    this.series.delete(JSON.stringify(this.values(labels)))
  }

  abstract samples(): string[]

  /** The metric's block in the exposition format. */
  render(): string {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join(
      '\n',
    )
  }
}

/** A value that only goes up. Prometheus counters end in _total. */
export class Counter extends Metric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'counter')
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`)
  }

  /** Adds `by` (default 1). */
  inc(labels: Labels = {}, by = 1): void {
    const values = this.values(labels)
    const key = JSON.stringify(values)
    const s = this.series.get(key) ?? { values, v: 0 }
    s.v += by
    this.series.set(key, s)
  }

  /** The current value for these labels. */
  get(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(this.values(labels)))?.v ?? 0
  }

  samples(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${labelText(this.labelNames, s.values)} ${formatValue(s.v)}`,
    )
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge')
  }

  /** Sets the value for these labels. */
  set(labels: Labels, v: number): void {
    const values = this.values(labels)
    this.series.set(JSON.stringify(values), { values, v })
  }

  /** The current value for these labels (undefined if never set). */
  get(labels: Labels = {}): number | undefined {
    return this.series.get(JSON.stringify(this.values(labels)))?.v
  }

  samples(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${labelText(this.labelNames, s.values)} ${formatValue(s.v)}`,
    )
  }
}

interface HistogramSeries {
  values: string[]
  counts: number[]
  sum: number
  count: number
}

/** Observations counted in cumulative buckets (`le`), with their sum and count. */
export class Histogram extends Metric<HistogramSeries> {
  readonly buckets: readonly number[]

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames, 'histogram')
    this.buckets = [...buckets].sort((a, b) => a - b)
  }

  /** Records one observation. */
  observe(labels: Labels, v: number): void {
    const values = this.values(labels)
    const key = JSON.stringify(values)
    let s = this.series.get(key)
    if (!s)
      this.series.set(key, (s = { values, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }))
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++
    s.sum += v
    s.count++
  }

  /** Observations recorded for these labels. */
  count(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(this.values(labels)))?.count ?? 0
  }

  /** Sum of the observations for these labels. */
  sum(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(this.values(labels)))?.sum ?? 0
  }

  samples(): string[] {
    const out: string[] = []
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) =>
        out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ['le', formatValue(b)])} ${s.counts[i]}`),
      )
      out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ['le', '+Inf'])} ${s.count}`)
      out.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${formatValue(s.sum)}`)
      out.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}`)
    }
    return out
  }
}

/** A set of metrics rendered together. */
export class MetricsRegistry {
  private readonly metrics: Metric<{ values: string[] }>[] = []

  /** Adds a metric; returns it. */
  add<M extends Metric<{ values: string[] }>>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`)
    this.metrics.push(metric)
    return metric
  }

  /** The whole exposition text. */
  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`
  }
}

/** The Content-Type of the text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
