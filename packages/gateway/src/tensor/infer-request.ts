// An OIP v2 inference request, from JSON or from the binary tensor data extension (a JSON
// header of `Inference-Header-Content-Length` bytes, then the raw tensors it announces with
// `parameters.binary_data_size`, in input order). Everything is checked here, field by field,
// before any model sees it.
import { ValidationError } from '@kiln/protocol'
import { bytesToFloat32, datatypeBytes, jsonToFloat32, parseDatatype, type Datatype } from './datatype.js'

/** One input tensor, converted to float32. */
export interface InputTensor {
  name: string
  datatype: Datatype
  shape: number[]
  data: Float32Array
}

/** A requested output, and whether it should come back as binary data. */
export interface OutputRequest {
  name: string
  binary: boolean
  /** Triton's `classification` parameter: answer the top k classes as "score:index[:label]". */
  classification?: number
}

export interface InferRequest {
  id?: string
  inputs: InputTensor[]
  /** Absent: every output of the model. */
  outputs?: OutputRequest[]
  /** `parameters.binary_data_output`: all outputs as binary unless an output says otherwise. */
  binaryOutput: boolean
}

const MAX_INPUTS = 64
const MAX_RANK = 8

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}

function parseShape(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RANK) {
    throw new ValidationError(field, `a list of 1-${MAX_RANK} dimensions`, {
      got: Array.isArray(value) ? `a list of ${value.length}` : kind(value),
    })
  }
  return value.map((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 2 ** 31) {
      throw new ValidationError(`${field}[${i}]`, 'a dimension (an integer >= 0)', {
        got: typeof d === 'number' ? String(d) : kind(d),
      })
    }
    return d
  })
}

/** Row-major flattening of (possibly nested) JSON data, as KServe clients send both. */
function flatten(data: unknown[], expected: number, field: string): unknown[] {
  if (!data.some(Array.isArray)) return data
  const out: unknown[] = []
  const stack: unknown[][] = [data]
  const index: number[] = [0]
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    const i = index[index.length - 1]!
    if (i >= top.length) {
      stack.pop()
      index.pop()
      continue
    }
    index[index.length - 1] = i + 1
    const v = top[i]
    if (Array.isArray(v)) {
      if (stack.length >= MAX_RANK) throw new ValidationError(field, `data nested at most ${MAX_RANK} deep`)
      stack.push(v)
      index.push(0)
    } else {
      out.push(v)
      if (out.length > expected) break
    }
  }
  return out
}

function elements(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

function optionalBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'boolean') throw new ValidationError(field, 'true or false', { got: kind(v) })
  return v
}

function parseOutputs(value: unknown, binaryDefault: boolean): OutputRequest[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > MAX_INPUTS)
    throw new ValidationError('outputs', `a list of at most ${MAX_INPUTS} outputs`, { got: kind(value) })
  return value.map((o, i) => {
    if (!isObject(o) || typeof o.name !== 'string' || o.name.length === 0) {
      throw new ValidationError(`outputs[${i}].name`, 'an output name (a string)', {
        got: isObject(o) ? kind(o.name) : kind(o),
      })
    }
    const params = o.parameters
    if (params !== undefined && !isObject(params))
      throw new ValidationError(`outputs[${i}].parameters`, 'an object', { got: kind(params) })
    const k = params?.classification
    if (k !== undefined && (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 1000))
      throw new ValidationError(`outputs[${i}].parameters.classification`, 'a number of classes from 1 to 1000', {
        got: typeof k === 'number' ? String(k) : kind(k),
      })
    return {
      name: o.name,
      binary: optionalBool(params?.binary_data, `outputs[${i}].parameters.binary_data`) ?? binaryDefault,
      ...(k !== undefined ? { classification: k } : {}),
    }
  })
}

/**
 * Parses a request body. `headerLength` is the Inference-Header-Content-Length header (binary
 * extension), undefined for a plain JSON body.
 */
export function parseInferRequest(body: Uint8Array, headerLength: number | undefined): InferRequest {
  if (headerLength !== undefined && headerLength > body.byteLength) {
    throw new ValidationError('Inference-Header-Content-Length', `at most the body size (${body.byteLength})`, {
      got: String(headerLength),
    })
  }
  const jsonBytes = headerLength === undefined ? body : body.subarray(0, headerLength)
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes))
  } catch (err) {
    throw new ValidationError('body', 'a JSON inference request', {
      got: `invalid JSON (${(err as Error).message.slice(0, 80)})`,
    })
  }
  if (!isObject(json)) throw new ValidationError('body', 'a JSON object', { got: kind(json) })
  if (json.id !== undefined && typeof json.id !== 'string')
    throw new ValidationError('id', 'a string', { got: kind(json.id) })
  const params = json.parameters
  if (params !== undefined && !isObject(params))
    throw new ValidationError('parameters', 'an object', { got: kind(params) })
  const binaryOutput = optionalBool(params?.binary_data_output, 'parameters.binary_data_output') ?? false

  const inputs = json.inputs
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > MAX_INPUTS) {
    throw new ValidationError('inputs', `a list of 1-${MAX_INPUTS} input tensors`, {
      got: Array.isArray(inputs) ? 'an empty list' : kind(inputs),
    })
  }
  let offset = headerLength ?? 0
  const parsed = inputs.map((input, i): InputTensor => {
    const field = `inputs[${i}]`
    if (!isObject(input)) throw new ValidationError(field, 'an input tensor object', { got: kind(input) })
    if (typeof input.name !== 'string' || input.name.length === 0)
      throw new ValidationError(`${field}.name`, 'an input name (a string)', { got: kind(input.name) })
    const datatype = parseDatatype(input.datatype, `${field}.datatype`)
    const shape = parseShape(input.shape, `${field}.shape`)
    const count = elements(shape)
    const ip = input.parameters
    if (ip !== undefined && !isObject(ip))
      throw new ValidationError(`${field}.parameters`, 'an object', { got: kind(ip) })
    const size = ip?.binary_data_size
    let data: Float32Array
    if (size !== undefined) {
      if (headerLength === undefined)
        throw new ValidationError(
          `${field}.parameters.binary_data_size`,
          'an Inference-Header-Content-Length header with binary data',
        )
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
        throw new ValidationError(`${field}.parameters.binary_data_size`, 'a byte count (an integer >= 0)', {
          got: kind(size),
        })
      if (input.data !== undefined)
        throw new ValidationError(`${field}.data`, 'no JSON data when binary_data_size is given')
      const want = count * datatypeBytes(datatype)
      if (size !== want)
        throw new ValidationError(
          `${field}.parameters.binary_data_size`,
          `${want} bytes (${count} ${datatype} elements of shape [${shape.join(',')}])`,
          { got: String(size) },
        )
      if (offset + size > body.byteLength)
        throw new ValidationError(
          `${field}.parameters.binary_data_size`,
          `at most the ${body.byteLength - offset} bytes left in the body`,
          { got: String(size) },
        )
      data = bytesToFloat32(datatype, body.subarray(offset, offset + size), `${field}.data`)
      offset += size
    } else {
      if (!Array.isArray(input.data))
        throw new ValidationError(`${field}.data`, 'a list of values (or parameters.binary_data_size)', {
          got: kind(input.data),
        })
      const flat = flatten(input.data, count, `${field}.data`)
      if (flat.length !== count)
        throw new ValidationError(`${field}.data`, `${count} values for shape [${shape.join(',')}]`, {
          got: flat.length > count ? 'more' : String(flat.length),
        })
      data = jsonToFloat32(datatype, flat, `${field}.data`)
    }
    return { name: input.name, datatype, shape, data }
  })
  if (headerLength !== undefined && offset !== body.byteLength) {
    throw new ValidationError('body', `${offset} bytes (the JSON header and the binary inputs it announces)`, {
      got: `${body.byteLength} bytes`,
    })
  }
  const names = new Set<string>()
  for (const [i, t] of parsed.entries()) {
    if (names.has(t.name))
      throw new ValidationError(`inputs[${i}].name`, 'a name not given twice', {
        got: JSON.stringify(t.name.slice(0, 32)),
      })
    names.add(t.name)
  }
  const outputs = parseOutputs(json.outputs, binaryOutput)
  return {
    ...(typeof json.id === 'string' ? { id: json.id } : {}),
    inputs: parsed,
    ...(outputs ? { outputs } : {}),
    binaryOutput,
  }
}
