import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'

// package.json sits one level above both src/ and dist/, so this works built or not.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string }

/** Versions recorded in saved models, so a model can say what made it. */
export function versions(): { kiln: string; tfjs: string; backend: string } {
  return { kiln: pkg.version, tfjs: tf.version.tfjs, backend: tf.getBackend() }
}
