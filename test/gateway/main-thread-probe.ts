// Run as a child process by imports.test.ts: starts a gateway on a models folder, answers
// one inference request, and prints whether TensorFlow.js was loaded on the main thread
// (the inference threads load it; the main thread must not, issue 16).
import { createGateway } from '@kiln/gateway'

const [modelsDir, input] = process.argv.slice(2)
const gw = await createGateway({ modelsDir: modelsDir!, threads: 1, log: () => {} })
const res = await gw.app.request('/v2/models/blobs/infer', {
  method: 'POST',
  body: JSON.stringify({ inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
})
const tfLoaded = (globalThis as { _tfengine?: unknown })._tfengine !== undefined
process.stdout.write(`${JSON.stringify({ status: res.status, tfLoaded })}\n`)
await gw.close()
