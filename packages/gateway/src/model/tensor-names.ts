// OIP tensor names for a model, read from its saved topology: tfjs names tensors with
// per-thread counters when it loads a model ("input1", then "input1_1"...), which would give
// one model different names in different threads. Keras' conventions are stable: a Sequential
// model's input is its InputLayer's name (or `<first layer>_input`) and its output is its
// last layer's name; a functional model lists its input_layers and output_layers.

interface LayerConfig {
  class_name?: string
  config?: { name?: string }
}
interface Topology {
  class_name?: string
  config?: { layers?: LayerConfig[]; input_layers?: unknown[][]; output_layers?: unknown[][] } | LayerConfig[]
  model_config?: Topology
}

/** Input and output names from model.json's bytes; undefined where the topology does not say. */
export function tensorNames(modelJson: Uint8Array | undefined): { inputs?: string[]; outputs?: string[] } {
  if (!modelJson) return {}
  let topology: Topology | undefined
  try {
    topology = (JSON.parse(new TextDecoder().decode(modelJson)) as { modelTopology?: Topology }).modelTopology
  } catch {
    return {}
  }
  if (topology?.model_config) topology = topology.model_config
  const config = topology?.config
  const layers = Array.isArray(config) ? config : config?.layers
  if (!layers || layers.length === 0) return {}
  if (topology?.class_name === 'Sequential') {
    const first = layers[0]!
    const firstName = first.config?.name
    const input = first.class_name === 'InputLayer' ? firstName : firstName && `${firstName}_input`
    const output = layers[layers.length - 1]!.config?.name
    return { ...(input ? { inputs: [input] } : {}), ...(output ? { outputs: [output] } : {}) }
  }
  if (!Array.isArray(config)) {
    const names = (list: unknown[][] | undefined) => list?.map((l) => String(l[0]))
    const inputs = names(config?.input_layers)
    const outputs = names(config?.output_layers)
    return { ...(inputs ? { inputs } : {}), ...(outputs ? { outputs } : {}) }
  }
  return {}
}
