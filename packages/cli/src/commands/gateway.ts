// `kiln gateway`: the inference gateway. With --models DIR it serves a folder and needs no
// NATS; otherwise it serves the cluster's model registry and endpoints.
import { availableParallelism } from 'node:os'
import type { NatsConnection } from '@nats-io/transport-node'
import { jsonLineSink } from '@kiln/protocol'
import type { CliIo } from '../io.js'
import { collectApiKeys } from '../api-keys.js'
import { CONNECTION_FLAGS, connectFromFlags } from '../cluster-connect.js'
import { ExitCode } from '../exit-codes.js'
import { parseFlags } from '../parse-flags.js'
import { reportError } from '../report-error.js'
import { UsageError } from '../usage-error.js'

const HELP = `Usage: kiln gateway [--models DIR] [--nats URL] [--port P] [--host H] [--api-key-file FILE]
                    [--memory-budget MB] [--max-batch N] [--max-delay-us N] [--threads N]
                    [--min-threads N] [--model-idle-s N] [--async-workers N]

Serves models over HTTP with the Open Inference Protocol v2 (KServe v2 / Triton).

  --models DIR        serve DIR/<model>/<version>/ (DIR/<model>/ alone is version 1); no NATS
  --nats URL          serve the cluster's registered models and endpoints (hot: new versions
                      load without a restart); also --creds FILE, $KILN_NATS_URL
  --port P            default 8080 (0: any free port)
  --host H            default 127.0.0.1 (0.0.0.0 to listen on every interface)
  --api-key-file FILE require Authorization: Bearer K for every key K in FILE (one a line, #
                      comments); also $KILN_GATEWAY_API_KEYS (comma-separated) and --api-key K
                      (repeatable; visible in the process list). Endpoints may add their own
  --queue-budget-mb N bytes of inference requests held at once; more get 503 (default 256)
  --memory-budget MB  memory for loaded models, least recently used evicted (default 1024)
  --max-batch N       rows per batch (default 64; 1 turns batching off)
  --max-delay-us N    how long a request may wait for a batch to fill (default 0: a batch leaves as soon as a thread is free)
  --queue-limit N     requests waiting per model before 503 (default 1024)
  --timeout-ms N      per-request timeout (default 30000)
  --threads N         inference threads (default: half the cores)
  --capture-rate R    share of requests captured to the KILN_CAPTURE stream (NATS; default 0)
  --drift-window N    samples per drift window: each full window is scored against the
                      training data (default 500, at least 10)
  --min-threads N     scale the inference threads between N and --threads with the load
                      (batches running and waiting per thread, queue wait over 20 ms); idle
                      threads are given back after --scale-down-s seconds (default 10)
  --model-idle-s N    unload a model version nobody called for N seconds (loaded again on
                      its next request; default: never)
  --async-workers N   async inference requests (POST .../infer-async) this gateway works on at
                      once (NATS; default 4 per inference thread; 0: accept them, leave them to
                      other gateways)
`

function int(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${flag}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`)
  return n
}

function rate(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!(n >= 0 && n <= 1)) throw new UsageError(`--${flag}: expected a share from 0 to 1, got ${JSON.stringify(raw)}`)
  return n
}

/** `kiln gateway`. */
export async function gatewayCommand(argv: string[], io: CliIo): Promise<number> {
  let nc: NatsConnection | undefined
  try {
    const { values: f } = parseFlags('kiln gateway', argv, {
      models: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'api-key-file': { type: 'string', multiple: true },
      'queue-budget-mb': { type: 'string' },
      'memory-budget': { type: 'string' },
      'max-batch': { type: 'string' },
      'max-delay-us': { type: 'string' },
      'queue-limit': { type: 'string' },
      'timeout-ms': { type: 'string' },
      threads: { type: 'string' },
      'capture-rate': { type: 'string' },
      'drift-window': { type: 'string' },
      'async-workers': { type: 'string' },
      'min-threads': { type: 'string' },
      'scale-down-s': { type: 'string' },
      'model-idle-s': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CONNECTION_FLAGS,
    })
    if (f.help) {
      io.stdout.write(HELP)
      return ExitCode.ok
    }
    const port = int('port', f.port, 0) ?? 8080
    if (port > 65535) throw new UsageError(`--port: expected 0-65535, got ${port}`)
    const budgetMb = int('memory-budget', f['memory-budget'], 1)
    const threads = int('threads', f.threads, 1)
    const window = int('drift-window', f['drift-window'], 10)
    const asyncWorkers = int('async-workers', f['async-workers'], 0)
    const minThreads = int('min-threads', f['min-threads'], 1)
    const scaleDownS = int('scale-down-s', f['scale-down-s'], 0)
    const modelIdleS = int('model-idle-s', f['model-idle-s'], 1)
    if (scaleDownS !== undefined && minThreads === undefined)
      throw new UsageError('--scale-down-s: needs --min-threads (threads scale only between a minimum and --threads)')
    const batching = Object.fromEntries(
      Object.entries({
        maxBatch: int('max-batch', f['max-batch'], 1),
        maxDelayUs: int('max-delay-us', f['max-delay-us'], 0),
        queueLimit: int('queue-limit', f['queue-limit'], 1),
        timeoutMs: int('timeout-ms', f['timeout-ms'], 1),
      }).filter(([, v]) => v !== undefined),
    )
    const captureRate = rate('capture-rate', f['capture-rate'])
    const queueBudgetMb = int('queue-budget-mb', f['queue-budget-mb'], 1)
    const apiKeys = collectApiKeys({
      flags: f['api-key'],
      files: f['api-key-file'],
      env: io.env,
      envName: 'KILN_GATEWAY_API_KEYS',
      cwd: io.cwd,
    })
    const useNats = f.nats !== undefined || f.creds !== undefined || f.models === undefined
    if (useNats) nc = await connectFromFlags(f, io, 'gateway')
    const { createGateway, serveGateway } = await import('@kiln/gateway')
    const { resolve } = await import('node:path')
    const gateway = await createGateway({
      ...(f.models ? { modelsDir: resolve(io.cwd, f.models) } : {}),
      ...(nc ? { nc } : {}),
      ...(apiKeys ? { apiKeys } : {}),
      ...(queueBudgetMb ? { queueBudgetBytes: queueBudgetMb * 1024 * 1024 } : {}),
      ...(budgetMb ? { memoryBudgetBytes: budgetMb * 1024 * 1024 } : {}),
      ...(threads ? { threads } : {}),
      ...(minThreads !== undefined
        ? {
            scaling: {
              minThreads,
              maxThreads: Math.max(minThreads, threads ?? Math.max(1, Math.floor(availableParallelism() / 2))),
              ...(scaleDownS !== undefined ? { downscaleDelayMs: scaleDownS * 1000 } : {}),
            },
          }
        : {}),
      ...(modelIdleS !== undefined ? { idleModelTtlMs: modelIdleS * 1000 } : {}),
      ...(captureRate !== undefined ? { captureRate } : {}),
      ...(window ? { monitor: { window } } : {}),
      ...(asyncWorkers !== undefined ? { async: { workers: asyncWorkers } } : {}),
      batching,
      log: jsonLineSink(io.stderr),
    })
    const listening = await serveGateway(gateway, port, f.host ?? '127.0.0.1')
    const models = gateway.repo.modelNames()
    io.stdout.write(
      `kiln gateway listening on ${listening.url} (${models.length} model${models.length === 1 ? '' : 's'}: ${models.join(', ') || 'none yet'}; ${gateway.pool.minThreads < gateway.pool.threads ? `${gateway.pool.minThreads}-` : ''}${gateway.pool.threads} inference thread(s) × ${gateway.pool.nativeThreads} native)\n`,
    )
    await new Promise<void>((done) => {
      const off = io.onInterrupt(() => {
        off()
        done()
      })
    })
    io.stderr.write('kiln gateway: stopping\n')
    await listening.close()
    await gateway.close()
    return ExitCode.ok
  } catch (err) {
    return reportError(err, io, { command: 'kiln gateway', json: false })
  } finally {
    await nc?.close().catch(() => undefined)
  }
}
