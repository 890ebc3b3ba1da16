// A worker thread running a TypeScript module. Threads do not inherit tsx's loader hooks
// from `node --import tsx`, and the hooks never apply to a thread's entry file, so a tiny
// JavaScript entry registers tsx and then imports the module.
import { Worker } from 'node:worker_threads'

const TSX_API = import.meta.resolve('tsx/esm/api')

/** Starts a thread that imports `module` (a .ts file URL) with `workerData`. */
export function tsWorker(module: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(TSX_API)}).then((t) => { t.register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
