// Runs torch_peer.py (Debian python3-torch under /usr/bin/python3) on the samples the
// Kiln side trains: the data and each epoch's order go through a temporary directory as
// raw little-endian arrays.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Dataset } from '@kiln/data'
import { peerEnv } from './numpy-peer.ts'

const PEER = fileURLToPath(new URL('./torch_peer.py', import.meta.url))

export interface TorchModelRun {
  model: 'mlp' | 'cnn'
  dropout: number
  samples: number
  epochs: number
  /** Each epoch's sample order (indices into the first `samples` training samples). */
  orders: Uint32Array[]
  precision?: 'fp32' | 'bf16'
}

export interface TorchResult {
  model: string
  precision: string
  epoch_s: number
  samples_per_s: number
  test_acc: number
  torch: string
}

interface Setup {
  train: Dataset
  test: Dataset
  image: [number, number]
  batch: number
  threads: number
  seed: number
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/** Trains one model in PyTorch as `run` says; the error's last line when python3/torch fails. */
export function torchTrain(setup: Setup, run: TorchModelRun): TorchResult | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-torch-'))
  try {
    writeFileSync(join(dir, 'train_x.f32'), bytes(setup.train.x))
    writeFileSync(join(dir, 'train_y.i32'), bytes(Int32Array.from(setup.train.labels)))
    writeFileSync(join(dir, 'test_x.f32'), bytes(setup.test.x))
    writeFileSync(join(dir, 'test_y.i32'), bytes(Int32Array.from(setup.test.labels)))
    for (const [e, o] of run.orders.entries()) writeFileSync(join(dir, `order_${e}.i32`), bytes(Int32Array.from(o)))
    const { orders: _, ...model } = run
    const meta = { image: setup.image, batch: setup.batch, threads: setup.threads, seed: setup.seed, models: [model] }
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta))
    const out = spawnSync('/usr/bin/python3', [PEER, dir], { encoding: 'utf8', env: peerEnv(setup.threads) })
    if (out.status !== 0)
      return { error: (out.stderr || out.error?.message || 'failed').trim().split('\n').at(-1) ?? 'failed' }
    return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as TorchResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
