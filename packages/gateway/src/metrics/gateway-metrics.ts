// The gateway's metrics, as /metrics exposes them.
import { Counter, Gauge, Histogram, MetricsRegistry } from './registry.js'

const LATENCY = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
const MV = ['model', 'version'] as const

/** Every metric the gateway keeps, registered in one registry. */
export function gatewayMetrics() {
  const registry = new MetricsRegistry()
  return {
    registry,
    requests: registry.add(
      new Counter('kiln_gateway_requests_total', 'Inference requests by model, version, variant and HTTP status.', [
        'model',
        'version',
        'variant',
        'status',
      ]),
    ),
    requestSeconds: registry.add(
      new Histogram(
        'kiln_gateway_request_duration_seconds',
        'Time from receiving an inference request to answering it.',
        MV,
        LATENCY,
      ),
    ),
    queueSeconds: registry.add(
      new Histogram('kiln_gateway_queue_duration_seconds', 'Time a request waited in the batching queue.', MV, LATENCY),
    ),
    computeSeconds: registry.add(
      new Histogram(
        'kiln_gateway_compute_duration_seconds',
        'Time an inference thread spent computing one batch.',
        MV,
        LATENCY,
      ),
    ),
    batchSize: registry.add(
      new Histogram('kiln_gateway_batch_size', 'Rows per batch sent to an inference thread.', MV, BATCH),
    ),
    modelsLoaded: registry.add(new Gauge('kiln_gateway_models_loaded', 'Model versions loaded in memory.')),
    modelMemory: registry.add(
      new Gauge(
        'kiln_gateway_model_memory_bytes',
        'Estimated memory of a loaded model version (shared files plus a weight copy per thread).',
        MV,
      ),
    ),
    memoryBudget: registry.add(
      new Gauge('kiln_gateway_memory_budget_bytes', 'Memory the loaded model versions may take together.'),
    ),
    featurePsi: registry.add(
      new Gauge(
        'kiln_gateway_drift_feature_psi',
        'Mean PSI of the input features over the last full window against the training data.',
        MV,
      ),
    ),
    featurePsiMax: registry.add(
      new Gauge(
        'kiln_gateway_drift_feature_psi_max',
        'Largest PSI of one input feature over the last full window.',
        MV,
      ),
    ),
    predictionPsi: registry.add(
      new Gauge(
        'kiln_gateway_drift_prediction_psi',
        'PSI of the predicted classes over the last full window against the test set.',
        MV,
      ),
    ),
    drifted: registry.add(
      new Gauge('kiln_gateway_drift_detected', '1 when the last full window was over the drift threshold, else 0.', MV),
    ),
    driftAlerts: registry.add(
      new Counter('kiln_gateway_drift_alerts_total', 'Windows whose drift was over the threshold.', MV),
    ),
    shadowRequests: registry.add(
      new Counter('kiln_gateway_shadow_requests_total', 'Requests copied to a shadow variant.', [
        'endpoint',
        'variant',
      ]),
    ),
    shadowAgreements: registry.add(
      new Counter(
        'kiln_gateway_shadow_agreements_total',
        'Shadow answers whose predicted class matched the served answer.',
        ['endpoint', 'variant'],
      ),
    ),
    shadowErrors: registry.add(
      new Counter('kiln_gateway_shadow_errors_total', 'Shadow requests that failed.', ['endpoint', 'variant']),
    ),
    shadowSeconds: registry.add(
      new Histogram(
        'kiln_gateway_shadow_duration_seconds',
        'Time the shadow variant took to answer.',
        ['endpoint', 'variant'],
        LATENCY,
      ),
    ),
    captured: registry.add(
      new Counter('kiln_gateway_captured_total', 'Requests and responses sent to the capture stream.', ['model']),
    ),
  }
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>
