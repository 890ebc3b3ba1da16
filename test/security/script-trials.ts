// Script trials on a secure cluster (secure-cluster.ts), as `kiln submit` sends them: a tiny
// dataset imported into the cluster's store, each script bundled and uploaded; then the
// trial's end and its log lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundleTrialScript, uploadBundle } from '@kiln/bundle'
import { JobsClient } from '@kiln/client'
import { ensureLayout, readSubject } from '@kiln/cluster-state'
import { importDataset, resolveDataset } from '@kiln/data'
import { LogMessageSchema, Subjects, decode, logLinesOf, type LogLine, type TrialRecord } from '@kiln/protocol'
import { waitFor } from '../helpers/wait-for.js'
import { startSecureCluster, type SecureCluster } from './secure-cluster.js'

export interface ScriptCluster {
  c: SecureCluster
  /** A scratch folder of the test's, removed by close(). */
  dir: string
  /** Bundles `source` as a trial script, submits it, and waits for its end and its log. */
  run(name: string, source: string, extra?: Record<string, unknown>): Promise<{ trial: TrialRecord; logs: LogLine[] }>
  close(): Promise<void>
}

/** A secure cluster (options as startSecureCluster's) with the dataset `tiny` in its store. */
export async function startScriptCluster(o: Parameters<typeof startSecureCluster>[0] = {}): Promise<ScriptCluster> {
  const c = await startSecureCluster(o)
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sandbox-'))
  const lines = ['a,b,label', ...Array.from({ length: 32 }, (_, i) => `${i % 5},${(i * 3) % 7},${i % 2}`)]
  writeFileSync(join(dir, 'tiny.csv'), `${lines.join('\n')}\n`)
  const nc = c.nc.client
  const layout = await ensureLayout(nc)
  const source = join(dir, 'tiny.csv')
  const datasetId = (
    await importDataset(layout.objects.datasets, await resolveDataset(source), { name: 'tiny', source })
  ).id
  const run: ScriptCluster['run'] = async (name, script, extra = {}) => {
    const file = join(dir, `${name}.mjs`)
    writeFileSync(file, script)
    const bundle = await bundleTrialScript(file)
    const bundleId = await uploadBundle(layout.objects.bundles, bundle)
    const client = new JobsClient(nc)
    const { job } = await client.submit(
      {
        name,
        dataset: 'tiny',
        model: { script: bundle.entry },
        training: { epochs: 1, batchSize: 8, validationSplit: 0, testSplit: 0 },
        metric: { name: 'score', mode: 'max' },
        ...extra,
      },
      { datasetId, bundleId },
    )
    const trial = await waitFor(
      `trial of ${name} to end`,
      async () => {
        const t = (await client.show(job.trialIds[0]!)).trial
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.state) ? t : undefined
      },
      120_000,
      100,
    )
    const logs: LogLine[] = []
    for await (const bytes of readSubject(nc, 'KILN_LOGS', Subjects.logs.trial(trial.id)))
      logs.push(...logLinesOf(decode(LogMessageSchema, bytes)))
    return { trial, logs }
  }
  return {
    c,
    dir,
    run,
    close: async () => {
      await c.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
