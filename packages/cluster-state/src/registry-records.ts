// Reading and changing the mutable side of the model registry (kiln_model_registry): one
// record per model with its aliases and version states, and the cluster's settings. Every
// change is a compare-and-set on the record's KV revision, retried when another writer won,
// so concurrent alias moves and approvals are never lost.
import type { KV } from '@nats-io/kv'
import {
  KilnError,
  ModelRegistryRecordSchema,
  RegistrySettingsSchema,
  decode,
  encode,
  subjectToken,
  type ModelRegistryRecord,
  type RegistrySettings,
} from '@kiln/protocol'
import type { Layout } from './ensure-layout.js'

type RegistryLayout = Pick<Layout, 'kv'>

const SETTINGS_KEY = 'settings'
const ATTEMPTS = 10

/** The KV key of a model's registry record. */
export function registryKey(model: string): string {
  return `m.${subjectToken(model, 'model')}`
}

/** A model's record as nobody has changed it yet. */
export function emptyRegistryRecord(model: string): ModelRegistryRecord {
  return { v: 1, model, aliases: {}, versions: {}, updatedAt: 0 }
}

function isConflict(err: unknown): boolean {
  return /wrong last sequence|exists/i.test((err as Error).message ?? '')
}

async function readEntry(kv: KV, key: string) {
  const entry = await kv.get(key)
  return entry && entry.operation === 'PUT' && entry.value.length > 0 ? entry : undefined
}

/** A model's registry record (an empty one when nothing was ever set). */
export async function readRegistryRecord(layout: RegistryLayout, model: string): Promise<ModelRegistryRecord> {
  const entry = await readEntry(layout.kv.modelRegistry, registryKey(model))
  return entry ? decode(ModelRegistryRecordSchema, entry.value) : emptyRegistryRecord(model)
}

/** Every model's registry record, by model name. */
export async function listRegistryRecords(layout: RegistryLayout): Promise<Map<string, ModelRegistryRecord>> {
  const kv = layout.kv.modelRegistry
  const keys: string[] = []
  for await (const k of await kv.keys('m.*')) keys.push(k)
  const out = new Map<string, ModelRegistryRecord>()
  for (const k of keys) {
    const entry = await readEntry(kv, k)
    if (!entry) continue
    try {
      const record = decode(ModelRegistryRecordSchema, entry.value)
      out.set(record.model, record)
    } catch {
      // A record this Kiln cannot read is left out of listings, not fatal to them.
    }
  }
  return out
}

/**
 * Applies `fn` to the model's current record and writes the result with compare-and-set.
 * `fn` may throw to refuse the change (nothing is written); it is called again on a conflict.
 */
export async function changeRegistryRecord(
  layout: RegistryLayout,
  model: string,
  fn: (current: ModelRegistryRecord) => ModelRegistryRecord,
): Promise<ModelRegistryRecord> {
  const kv = layout.kv.modelRegistry
  const key = registryKey(model)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const entry = await readEntry(kv, key)
    const current = entry ? decode(ModelRegistryRecordSchema, entry.value) : emptyRegistryRecord(model)
    const next = { ...fn(current), updatedAt: Date.now() }
    const bytes = encode(ModelRegistryRecordSchema, next)
    try {
      if (entry) await kv.update(key, bytes, entry.revision)
      else await kv.create(key, bytes)
      return next
    } catch (err) {
      if (!isConflict(err)) throw err
    }
  }
  throw new KilnError(
    'conflict',
    `model ${model}'s registry record changed ${ATTEMPTS} times while being updated; retry`,
  )
}

/** The cluster's registry settings (approval not required when never set). */
export async function readRegistrySettings(layout: RegistryLayout): Promise<RegistrySettings> {
  const entry = await readEntry(layout.kv.modelRegistry, SETTINGS_KEY)
  return entry
    ? decode(RegistrySettingsSchema, entry.value)
    : { v: 1, requireApproval: false, by: 'default', updatedAt: 0 }
}

/** Replaces the registry settings. */
export async function writeRegistrySettings(
  layout: RegistryLayout,
  settings: Omit<RegistrySettings, 'v' | 'updatedAt'>,
): Promise<RegistrySettings> {
  const record: RegistrySettings = { v: 1, ...settings, updatedAt: Date.now() }
  await layout.kv.modelRegistry.put(SETTINGS_KEY, encode(RegistrySettingsSchema, record))
  return record
}

/**
 * Calls `onRecord` with every model's registry record, then with each change, one at a time
 * (each call awaited) until stop(). A value that does not decode or a call that throws goes to
 * `onError` and the watch goes on.
 */
export async function watchRegistryRecords(
  layout: RegistryLayout,
  onRecord: (record: ModelRegistryRecord) => void | Promise<void>,
  onError: (err: unknown, key: string) => void,
): Promise<{ stop: () => void }> {
  const iter = await layout.kv.modelRegistry.watch({ key: 'm.>' })
  void (async () => {
    for await (const entry of iter) {
      if (entry.operation !== 'PUT' || entry.value.length === 0) continue
      try {
        await onRecord(decode(ModelRegistryRecordSchema, entry.value))
      } catch (err) {
        onError(err, entry.key)
      }
    }
  })()
  return { stop: () => iter.stop() }
}
