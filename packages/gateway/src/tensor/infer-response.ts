// An OIP v2 inference response: JSON, or (when any output is asked for as binary) a JSON
// header followed by the raw little-endian tensors, with Inference-Header-Content-Length.
import { ValidationError } from '@kiln/protocol'
import { bytesTensor, topClasses } from './classification.js'
import type { OutputRequest } from './infer-request.js'

/** One output tensor of a model (float32, row-major). */
export interface OutputTensor {
  name: string
  shape: number[]
  data: Float32Array
  /** The class of each index along the last dimension (classifiers). */
  classNames?: readonly string[]
}

/** One output as the response carries it: binary or JSON, scores or top-k classes. */
export interface ChosenOutput {
  tensor: OutputTensor
  binary: boolean
  classification?: number
}

export interface ResponseBody {
  body: Uint8Array | string
  headers: Record<string, string>
}

/** What a response names beside its outputs. */
export interface ResponseInfo {
  model: string
  version: number
  id?: string
  parameters?: Record<string, string | number | boolean>
}

/** Picks the asked-for outputs (all when none asked), refusing unknown names. */
export function selectOutputs(
  outputs: OutputTensor[],
  asked: OutputRequest[] | undefined,
  binaryDefault: boolean,
): ChosenOutput[] {
  if (asked === undefined) return outputs.map((tensor) => ({ tensor, binary: binaryDefault }))
  return asked.map((o, i) => {
    const tensor = outputs.find((t) => t.name === o.name)
    if (!tensor)
      throw new ValidationError(
        `outputs[${i}].name`,
        `one of the model's outputs (${outputs.map((t) => JSON.stringify(t.name)).join(', ')})`,
        { got: JSON.stringify(o.name.slice(0, 64)) },
      )
    if (o.classification !== undefined && tensor.shape.length !== 2)
      throw new ValidationError(`outputs[${i}].parameters.classification`, 'an output of shape [batch, classes]', {
        got: `[${tensor.shape.join(',')}]`,
      })
    return { tensor, binary: o.binary, ...(o.classification !== undefined ? { classification: o.classification } : {}) }
  })
}

/** Builds the response body and headers. */
export function encodeInferResponse(info: ResponseInfo, chosen: ChosenOutput[]): ResponseBody {
  const blobs: Uint8Array[] = []
  const outputs = chosen.map(({ tensor, binary, classification }) => {
    if (classification !== undefined) {
      const labels = topClasses(tensor.shape, tensor.data, classification, tensor.classNames)
      const head = {
        name: tensor.name,
        datatype: 'BYTES',
        shape: [tensor.shape[0]!, Math.min(classification, tensor.shape[1]!)],
      }
      if (!binary) return { ...head, data: labels }
      const bytes = bytesTensor(labels)
      blobs.push(bytes)
      return { ...head, parameters: { binary_data_size: bytes.byteLength } }
    }
    const head = { name: tensor.name, datatype: 'FP32', shape: tensor.shape }
    if (!binary) return { ...head, data: Array.from(tensor.data) }
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)
    blobs.push(bytes)
    return { ...head, parameters: { binary_data_size: bytes.byteLength } }
  })
  const json = JSON.stringify({
    model_name: info.model,
    model_version: String(info.version),
    ...(info.id !== undefined ? { id: info.id } : {}),
    ...(info.parameters ? { parameters: info.parameters } : {}),
    outputs,
  })
  if (blobs.length === 0) return { body: json, headers: { 'content-type': 'application/json' } }
  const header = new TextEncoder().encode(json)
  const total = header.byteLength + blobs.reduce((n, b) => n + b.byteLength, 0)
  const body = new Uint8Array(total)
  body.set(header, 0)
  let offset = header.byteLength
  for (const b of blobs) {
    body.set(b, offset)
    offset += b.byteLength
  }
  return {
    body,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.byteLength),
    },
  }
}
