// Piscina's entry for inference threads. Worker threads do not inherit tsx's loader hooks
// from `node --import tsx`, so when the gateway runs from its TypeScript sources
// (workerData.src) this registers tsx before importing the worker; built code needs nothing.
import { workerData } from 'piscina'

if (workerData?.src) {
  const { register } = await import('tsx/esm/api')
  register()
}
const mod = await import(workerData?.src ? './src/worker/infer-worker.ts' : './dist/worker/infer-worker.js')
export default mod.default
