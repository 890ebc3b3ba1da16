// An OIP v2 inference response: JSON, or (when any output is asked for as binary) a JSON
// header followed by the raw little-endian tensors, with Inference-Header-Content-Length.
import { ValidationError } from '@kiln/protocol'
import type { OutputRequest } from './infer-request.js'

/** One output tensor of a model (float32, row-major). */
export interface OutputTensor {
  name: string
  shape: number[]
  data: Float32Array
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
): { tensor: OutputTensor; binary: boolean }[] {
  if (asked === undefined) return outputs.map((tensor) => ({ tensor, binary: binaryDefault }))
  return asked.map((o, i) => {
    const tensor = outputs.find((t) => t.name === o.name)
    if (!tensor)
      throw new ValidationError(
        `outputs[${i}].name`,
        `one of the model's outputs (${outputs.map((t) => JSON.stringify(t.name)).join(', ')})`,
        { got: JSON.stringify(o.name.slice(0, 64)) },
      )
    return { tensor, binary: o.binary }
  })
}

/** Builds the response body and headers. */
export function encodeInferResponse(
  info: ResponseInfo,
  chosen: { tensor: OutputTensor; binary: boolean }[],
): ResponseBody {
  const blobs: Uint8Array[] = []
  const outputs = chosen.map(({ tensor, binary }) => {
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
