// A small lifecycle pipeline on the stored dataset `blobs` (3 classes): prepare (standardize),
// train an MLP, evaluate, gate on test accuracy, register as champion. Used by the cluster
// tests and by the dashboard's recording of pipeline runs.

/** The pipeline; `threshold` is the least test accuracy its gate lets through. */
export function blobsPipeline(threshold = 0.5) {
  return {
    name: 'blobs-retrain',
    params: { epochs: 2, threshold },
    steps: {
      prepare: { kind: 'transform', dataset: 'blobs', steps: { scale: 'standard' }, to: 'blobs-prepared' },
      train: {
        kind: 'train',
        spec: {
          name: 'blobs-model',
          dataset: 'unused',
          model: { builtin: 'mlp', hidden: [8] },
          optimizer: { name: 'adam', learningRate: 0.02 },
          training: { epochs: 1, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 4 },
        },
        set: { dataset: '${steps.prepare.dataset}', 'training.epochs': '${params.epochs}' },
      },
      evaluate: { kind: 'evaluate', model: '${steps.train.model}' },
      gate: { kind: 'condition', when: 'test_accuracy >= ${params.threshold}', metrics: '${steps.evaluate.metrics}' },
      register: { kind: 'register', model: '${steps.train.model}', alias: 'champion', approve: true, after: ['gate'] },
    },
  }
}
