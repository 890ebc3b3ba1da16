import * as tf from '@tensorflow/tfjs'

/**
 * Per-layer seeds derived from the run's seed. Each layer needs its own (the same seed in two
 * layers of one shape would start them identical), and the same spec must rebuild the same
 * initial weights on every machine.
 */
export class LayerSeeds {
  private next = 0
  constructor(private readonly base: number) {}

  /** The next layer's seed. */
  take(): number {
    // 2654435761 is Knuth's multiplicative hash constant: spreads consecutive indices apart.
    return (this.base + Math.imul(++this.next, 2654435761)) >>> 0
  }

  /** A seeded Glorot-uniform kernel initializer (Keras' default for dense and conv layers). */
  kernel(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.take() })
  }
}
