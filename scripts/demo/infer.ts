// Sends the Fashion-MNIST test images to the gateway through the Open Inference Protocol
// (one image per request, a few requests in flight, as clients of a service would) and
// measures accuracy and the latency each request saw.
import { loadFashionMnist } from '@kiln/data'
import { predict } from '@kiln/client'

export interface InferResult {
  images: number
  accuracy: number
  p50Ms: number
  p99Ms: number
  seconds: number
  perSecond: number
  model: string
}

interface Metadata {
  inputs: Array<{ name: string; shape: number[] }>
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

/** Waits until the endpoint answers its metadata (the gateway loads models on first use). */
export async function endpointMetadata(gateway: string, endpoint: string, timeoutMs: number): Promise<Metadata> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${gateway}/v2/models/${endpoint}`)
      if (res.ok) return (await res.json()) as Metadata
      last = `HTTP ${res.status}: ${await res.text()}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((ok) => setTimeout(ok, 250))
  }
  throw new Error(`the gateway did not serve ${endpoint} within ${timeoutMs / 1000} s (${last})`)
}

/** Classifies the first `count` test images through `endpoint`. */
export async function inferTestSet(
  gateway: string,
  endpoint: string,
  o: { count?: number; concurrency?: number } = {},
): Promise<InferResult> {
  const { test } = await loadFashionMnist()
  const meta = await endpointMetadata(gateway, endpoint, 60_000)
  const input = meta.inputs[0]!
  const size = test.sampleShape.reduce((a, b) => a * b, 1)
  const shape = [1, ...input.shape.slice(1).map((d) => (d < 0 ? 1 : d))]
  const count = Math.min(o.count ?? test.count, test.count)
  const latencies: number[] = []
  let correct = 0
  let next = 0
  let model = ''
  const t0 = performance.now()
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const started = performance.now()
      const r = await predict(gateway, endpoint, [
        { name: input.name, shape, data: test.x.subarray(i * size, (i + 1) * size) },
      ])
      latencies.push(performance.now() - started)
      model = `${r.model}@${r.version}`
      const scores = r.outputs[0]!.data
      let arg = 0
      for (let k = 1; k < scores.length; k++) if (scores[k]! > scores[arg]!) arg = k
      if (arg === test.labels[i]) correct++
    }
  }
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker))
  const seconds = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  return {
    images: count,
    accuracy: correct / count,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    seconds,
    perSecond: count / seconds,
    model,
  }
}
