// An evaluation as flat `test_*` numbers: what trial and job records, `kiln runs --where`
// and `--sort` work with (the full evaluation travels beside them).
import type { Evaluation } from '@kiln/protocol'

/** The headline figures of an evaluation, each named `<prefix><figure>`. */
export function evaluationMetrics(ev: Evaluation, prefix = 'test_'): Record<string, number> {
  const out: Record<string, number> = {}
  const put = (name: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out[prefix + name] = v
  }
  if (ev.task === 'regression') {
    put('mae', ev.mae)
    put('rmse', ev.rmse)
    put('r2', ev.r2)
    return out
  }
  put('accuracy', ev.accuracy)
  put('log_loss', ev.logLoss)
  if (ev.topK) put(`top${ev.topK.k}_accuracy`, ev.topK.accuracy)
  put('precision_macro', ev.macro.precision)
  put('recall_macro', ev.macro.recall)
  put('f1_macro', ev.macro.f1)
  put('precision_weighted', ev.weighted.precision)
  put('recall_weighted', ev.weighted.recall)
  put('f1_weighted', ev.weighted.f1)
  put('roc_auc', ev.rocAuc?.macro)
  put('pr_auc', ev.prAuc?.macro)
  return out
}
