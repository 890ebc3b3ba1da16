// What a node offers: CPU slots (each with its share of the cores) and one slot per GPU.
import { availableParallelism } from 'node:os'
import { ValidationError, type Slot } from '@kiln/protocol'

export interface SlotOptions {
  /** 'auto' (default): one CPU slot per 4 cores, at least one; or a count (0 with GPUs only). */
  slots?: 'auto' | number
  /** 'auto' (default): every device the addon sees; 'none'; or a list of device indices. */
  gpus?: 'auto' | 'none' | number[]
  /** Cores to share among the CPU slots (default: all of this machine's). */
  cores?: number
  /** GPU devices present (from the native addon). */
  deviceCount: number
}

/** The slots of this node. */
export function discoverSlots(o: SlotOptions): Slot[] {
  const cores = o.cores ?? availableParallelism()
  const cpu = o.slots === undefined || o.slots === 'auto' ? Math.max(1, Math.floor(cores / 4)) : o.slots
  if (!Number.isInteger(cpu) || cpu < 0 || cpu > 256)
    throw new ValidationError('--slots', '"auto" or an integer from 0 to 256', { got: String(o.slots) })
  const gpuList =
    o.gpus === undefined || o.gpus === 'auto'
      ? Array.from({ length: o.deviceCount }, (_, k) => k)
      : o.gpus === 'none'
        ? []
        : o.gpus
  for (const g of gpuList) {
    if (!Number.isInteger(g) || g < 0 || g >= o.deviceCount) {
      throw new ValidationError(
        '--gpus',
        `device indices from 0 to ${o.deviceCount - 1} (this node has ${o.deviceCount} GPUs)`,
        { got: String(g) },
      )
    }
  }
  const threads = Math.max(1, Math.floor(cores / Math.max(1, cpu)))
  const slots: Slot[] = [
    ...Array.from({ length: cpu }, (_, k): Slot => ({ id: `cpu${k}`, kind: 'cpu', threads })),
    ...gpuList.map((g): Slot => ({ id: `gpu${g}`, kind: 'gpu', gpuIndex: g, threads: 1 })),
  ]
  if (slots.length === 0)
    throw new ValidationError('--slots', 'at least one slot (CPU or GPU) on this node', {
      got: `${cpu} CPU and ${gpuList.length} GPU`,
    })
  return slots
}

/** Parses `--slots auto|N`. */
export function parseSlotsFlag(value: string | undefined): 'auto' | number {
  if (value === undefined || value === 'auto') return 'auto'
  if (!/^\d+$/.test(value))
    throw new ValidationError('--slots', '"auto" or a whole number', { got: JSON.stringify(value) })
  return Number(value)
}

/** Parses `--gpus auto|none|0,1`. */
export function parseGpusFlag(value: string | undefined): 'auto' | 'none' | number[] {
  if (value === undefined || value === 'auto' || value === 'none') return value ?? 'auto'
  if (!/^\d+(,\d+)*$/.test(value))
    throw new ValidationError('--gpus', '"auto", "none" or a comma-separated list of device indices like 0,1', {
      got: JSON.stringify(value),
    })
  return value.split(',').map(Number)
}
