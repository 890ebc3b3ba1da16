// Number and metric formatting for the human output.

/** 12345.6 -> "12,346". */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Milliseconds as "850 ms", "12.3 s" or "4 min 05 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}

// Short labels keep a progress line inside 80 columns.
const SHORT: Record<string, string> = { accuracy: 'acc', val_accuracy: 'val_acc' }

/** "loss 0.4123  acc 0.8512  val_loss ..." in a stable order (loss first, val_ last). */
export function metricsLine(metrics: Record<string, number>): string {
  const rank = (k: string) => (k.startsWith('val_') ? 2 : 0) + (k.endsWith('loss') ? 0 : 1)
  return Object.keys(metrics)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((k) => `${SHORT[k] ?? k} ${metrics[k]!.toFixed(4)}`)
    .join('  ')
}

/** Where a trial runs: node/slot, and for a data-parallel gang rank 0's with the rank count. */
export function trialWhere(t: { node?: { nodeId: string; slotId: string }; ranks?: readonly unknown[] }): string {
  if (!t.node) return ''
  const ranks = t.ranks?.length ?? 1
  return `${t.node.nodeId}/${t.node.slotId}${ranks > 1 ? ` (+${ranks - 1} rank${ranks > 2 ? 's' : ''})` : ''}`
}
