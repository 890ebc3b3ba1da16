// The "kiln" backend: tfjs-backend-cpu's storage (plain typed arrays in host memory),
// with the kernels on the training and inference hot path replaced by native ones.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu'
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core'

export class KilnBackend extends MathBackendCPU {
  /** The typed array behind a tensor, read in place (no copy). */
  values<T = Float32Array>(t: TensorInfo): T {
    return this.data.get(t.dataId).values as T
  }

  /** Wraps a freshly computed array as a tensor owned by this backend. */
  output(shape: number[], dtype: DataType, values: Float32Array | Int32Array | Uint8Array): TensorInfo {
    return this.makeTensorInfo(shape, dtype, values)
  }
}
