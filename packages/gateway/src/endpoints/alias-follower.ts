// Endpoints that follow a model alias (`kiln deploy fashion@champion`): when the alias moves,
// each following variant rolls to the alias's new version as a new endpoint revision (so
// `kiln endpoint rollback` undoes it). Every gateway replica watches the registry; the
// compare-and-set write lets one of them roll and the others find nothing left to do.
import { ModelRegistryRecordSchema, Subjects, decode, encode, EndpointEventSchema } from '@kiln/protocol'
import type { EndpointRecord, ModelRegistryRecord } from '@kiln/protocol'
import { resolveDeployTarget, type Layout } from '@kiln/cluster-state'
import { next } from './endpoint-ops.js'
import { change, endpointNames } from './endpoint-service.js'

/** The record with every variant of `registry.model` following an alias moved to its target; unchanged when none moves. */
export function rollToAliases(
  current: EndpointRecord,
  registry: Pick<ModelRegistryRecord, 'model' | 'aliases'>,
  now: number,
  allowed: (version: number) => boolean = () => true,
): EndpointRecord {
  const moved: string[] = []
  const variants = current.variants.map((v) => {
    const target = v.alias !== undefined && v.model === registry.model ? registry.aliases[v.alias] : undefined
    if (target === undefined || target === v.version || !allowed(target)) return v
    moved.push(`${v.alias} → ${v.model}@${target}`)
    return { ...v, version: target }
  })
  if (moved.length === 0) return current
  return next(current, variants, `alias ${moved.join(', ')}`.slice(0, 256), now)
}

/** Watches kiln_model_registry and rolls following endpoints; returns its stop(). */
export async function followAliases(
  layout: Layout,
  log: (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) => void,
): Promise<{ stop: () => void }> {
  const iter = await layout.kv.modelRegistry.watch({ key: 'm.>' })
  const roll = async (registry: ModelRegistryRecord) => {
    // The targets a deploy would accept (loadable, approved when the cluster requires it).
    const ok = new Set<number>()
    for (const version of new Set(Object.values(registry.aliases))) {
      try {
        ok.add((await resolveDeployTarget(layout, { model: registry.model, version })).version)
      } catch (err) {
        log('warn', 'an endpoint follows an alias whose version cannot be deployed', {
          model: registry.model,
          version,
          error: (err as Error).message,
        })
      }
    }
    for (const name of await endpointNames(layout.kv.endpoints)) {
      let rolled = false
      const updated = await change(layout.kv.endpoints, name, (cur) => {
        if (!cur) return cur as never // deleted meanwhile: nothing to roll
        const out = rollToAliases(cur, registry, Date.now(), (v) => ok.has(v))
        rolled = out !== cur
        return out
      })
      if (!rolled) continue
      const event = {
        v: 1 as const,
        op: 'deploy' as const,
        endpoint: name,
        revision: updated.revision,
        variants: updated.variants,
        at: Date.now(),
      }
      await layout.js.publish(Subjects.events.of('endpoint'), encode(EndpointEventSchema, event), {
        msgID: `endpoint-${name}-${updated.revision}`,
      })
      log('info', 'endpoint follows its alias', { endpoint: name, revision: updated.revision, reason: updated.reason })
    }
  }
  void (async () => {
    for await (const entry of iter) {
      if (entry.operation !== 'PUT' || entry.value.length === 0) continue
      try {
        await roll(decode(ModelRegistryRecordSchema, entry.value))
      } catch (err) {
        log('warn', 'rolling endpoints to a moved alias failed', { key: entry.key, error: (err as Error).message })
      }
    }
  })()
  return { stop: () => iter.stop() }
}
