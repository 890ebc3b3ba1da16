// The gateway's metrics, as /metrics exposes them (prom-client), with Node's process and
// event-loop metrics beside them. Each gateway has its own registry, so several gateways in
// one process (tests) never share series.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

const LATENCY = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
const MV = ['model', 'version'] as const
const EV = ['endpoint', 'variant'] as const

/** Every metric the gateway keeps, registered in one registry. */
export function gatewayMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Gauges named like counters, which `promtool check metrics` refuses; their per-type
  // siblings (nodejs_active_handles{type}, ...) carry the same counts.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name)
  const registers = [registry]
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers })
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers })
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers })
  return {
    registry,
    requests: counter(
      'kiln_gateway_requests_total',
      'Inference requests by model, version, variant and HTTP status (names that do not exist: _unknown_).',
      ['model', 'version', 'variant', 'status'],
    ),
    requestSeconds: histogram(
      'kiln_gateway_request_duration_seconds',
      'Time from receiving an inference request to answering it.',
      MV,
      LATENCY,
    ),
    queueSeconds: histogram(
      'kiln_gateway_queue_duration_seconds',
      'Time a request waited in the batching queue.',
      MV,
      LATENCY,
    ),
    computeSeconds: histogram(
      'kiln_gateway_compute_duration_seconds',
      'Time an inference thread spent computing one batch.',
      MV,
      LATENCY,
    ),
    batchSize: histogram('kiln_gateway_batch_size', 'Rows per batch sent to an inference thread.', MV, BATCH),
    queuedBytes: gauge(
      'kiln_gateway_queued_request_bytes',
      'Bytes of inference request bodies held now (read, queued or computing).',
    ),
    queueBudget: gauge(
      'kiln_gateway_queue_budget_bytes',
      'Bytes of request bodies the gateway holds at most; more get 503 with Retry-After.',
    ),
    modelsLoaded: gauge('kiln_gateway_models_loaded', 'Model versions loaded in memory.'),
    modelState: gauge(
      'kiln_gateway_model_state',
      'Serving state of each known model version: 1 for its state (available, loading, ready, failed, unloaded).',
      ['model', 'version', 'state'],
    ),
    loadFailures: counter('kiln_gateway_model_load_failures_total', 'Model loads that failed (each try).', MV),
    loadAttempts: gauge(
      'kiln_gateway_model_load_failed_attempts',
      'Failed loads of a model version since its last successful one.',
      MV,
    ),
    loadsQueued: gauge('kiln_gateway_model_loads_queued', 'Model loads waiting for their turn.'),
    modelMemory: gauge(
      'kiln_gateway_model_memory_bytes',
      'Estimated memory of a loaded model version (shared files plus a weight copy per thread).',
      MV,
    ),
    memoryBudget: gauge('kiln_gateway_memory_budget_bytes', 'Memory the loaded model versions may take together.'),
    featurePsi: gauge(
      'kiln_gateway_drift_feature_psi',
      'Mean PSI of the input features over the last full window against the training data.',
      MV,
    ),
    featurePsiMax: gauge(
      'kiln_gateway_drift_feature_psi_max',
      'Largest PSI of one input feature over the last full window.',
      MV,
    ),
    predictionPsi: gauge(
      'kiln_gateway_drift_prediction_psi',
      'PSI of the predicted classes over the last full window against the test set.',
      MV,
    ),
    drifted: gauge(
      'kiln_gateway_drift_detected',
      '1 when the last full window was over the drift threshold, else 0.',
      MV,
    ),
    driftAlerts: counter('kiln_gateway_drift_alerts_total', 'Windows whose drift was over the threshold.', MV),
    shadowRequests: counter('kiln_gateway_shadow_requests_total', 'Requests copied to a shadow variant.', EV),
    shadowAgreements: counter(
      'kiln_gateway_shadow_agreements_total',
      'Shadow answers whose predicted class matched the served answer.',
      EV,
    ),
    shadowErrors: counter('kiln_gateway_shadow_errors_total', 'Shadow requests that failed.', EV),
    shadowSeconds: histogram(
      'kiln_gateway_shadow_duration_seconds',
      'Time the shadow variant took to answer.',
      EV,
      LATENCY,
    ),
    groundTruthRows: counter(
      'kiln_gateway_ground_truth_rows_total',
      'Captured rows whose ground truth arrived, by endpoint (or model) and variant.',
      EV,
    ),
    groundTruthCorrect: counter(
      'kiln_gateway_ground_truth_correct_total',
      'Of those, rows the served prediction got right.',
      EV,
    ),
    liveAccuracy: gauge('kiln_gateway_live_accuracy', 'Accuracy over the last window of rows with ground truth.', EV),
    qualityDegraded: gauge(
      'kiln_gateway_quality_degraded',
      "1 while live accuracy is below the model's test accuracy by more than the threshold, else 0.",
      EV,
    ),
    qualityAlerts: counter('kiln_gateway_quality_alerts_total', 'Times live accuracy fell below the threshold.', EV),
    captured: counter('kiln_gateway_captured_total', 'Requests and responses sent to the capture stream.', ['model']),
  }
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>
