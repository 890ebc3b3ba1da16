// How each endpoint operation changes a record. Pure: the service reads the current record,
// applies one of these and writes the result with compare-and-set, retrying on a conflict.
import {
  ENDPOINT_HISTORY,
  EndpointRecordSchema,
  NotFoundError,
  ValidationError,
  check,
  type DeployRequest,
  type EndpointRecord,
  type PromoteRequest,
  type RollbackRequest,
  type TrafficRequest,
  type Variant,
} from '@kiln/protocol'

/** The record after a change: revision + 1, the old state pushed onto the history. */
export function next(
  current: EndpointRecord,
  variants: Variant[],
  reason: string,
  now: number,
  apiKeys = current.apiKeys,
): EndpointRecord {
  const history = [
    { revision: current.revision, variants: current.variants, at: current.updatedAt, reason: current.reason },
    ...current.history,
  ]
  const record = {
    ...current,
    revision: current.revision + 1,
    variants,
    reason,
    updatedAt: now,
    history: history.slice(0, ENDPOINT_HISTORY),
    ...(apiKeys ? { apiKeys } : {}),
  }
  return check(EndpointRecordSchema, record)
}

/** Applies a deploy of model@version (the version resolved by the caller). */
export function applyDeploy(
  current: EndpointRecord | undefined,
  req: DeployRequest,
  version: number,
  now: number,
): EndpointRecord {
  const variant: Variant = {
    name: req.variant ?? `${req.model}-v${version}`,
    model: req.model,
    version,
    weight: req.shadow ? 0 : (req.weight ?? 1),
    ...(req.shadow ? { shadow: req.shadow } : {}),
    ...(req.alias ? { alias: req.alias } : {}),
  }
  const reason = `deploy ${req.model}@${version}${req.alias ? ` (${req.alias})` : ''}${req.shadow ? ` as shadow (${req.shadow.sampleRate})` : req.weight !== undefined ? ` with weight ${req.weight}` : ''}`
  if (!current) {
    if (req.shadow)
      throw new ValidationError('shadow', 'an endpoint that already serves a variant (a shadow only mirrors traffic)')
    return check(EndpointRecordSchema, {
      v: 1,
      name: req.endpoint,
      revision: 1,
      variants: [variant],
      history: [],
      reason,
      createdAt: now,
      updatedAt: now,
      ...(req.apiKeys ? { apiKeys: req.apiKeys } : {}),
      ...(req.capture ? { capture: req.capture } : {}),
    })
  }
  // A plain deploy is a rollout: the new version replaces every variant.
  const rollout = req.weight === undefined && req.shadow === undefined
  const others = rollout ? [] : current.variants.filter((v) => v.name !== variant.name && !(req.shadow && v.shadow))
  const updated = next(current, [...others, variant], reason, now, req.apiKeys ?? current.apiKeys)
  return req.capture ? check(EndpointRecordSchema, { ...updated, capture: req.capture }) : updated
}

function variantOf(record: EndpointRecord, name: string, field: string): Variant {
  const v = record.variants.find((x) => x.name === name)
  if (!v)
    throw new ValidationError(
      field,
      `a variant of endpoint ${record.name} (${record.variants.map((x) => x.name).join(', ')})`,
      { got: JSON.stringify(name) },
    )
  return v
}

/** Sets the weights of the named variants. */
export function applyTraffic(current: EndpointRecord, req: TrafficRequest, now: number): EndpointRecord {
  for (const name of Object.keys(req.weights)) {
    if (variantOf(current, name, `weights.${name}`).shadow)
      throw new ValidationError(`weights.${name}`, 'a serving variant (shadows take a sample rate, not a weight)')
  }
  const variants = current.variants.map((v) =>
    Object.hasOwn(req.weights, v.name) ? { ...v, weight: req.weights[v.name]! } : v,
  )
  const desc = Object.entries(req.weights)
    .map(([n, w]) => `${n}=${w}`)
    .join(' ')
  return next(current, variants, `traffic ${desc}`, now)
}

/** Makes one variant the only one, serving everything. */
export function applyPromote(current: EndpointRecord, req: PromoteRequest, now: number): EndpointRecord {
  const v = variantOf(current, req.variant, 'variant')
  const { shadow: _shadow, ...rest } = v
  return next(current, [{ ...rest, weight: 1 }], `promote ${v.name}`, now)
}

/** Returns to a past revision's variants (default: the previous one). */
export function applyRollback(current: EndpointRecord, req: RollbackRequest, now: number): EndpointRecord {
  const target =
    req.toRevision === undefined ? current.history[0] : current.history.find((h) => h.revision === req.toRevision)
  if (!target) {
    if (req.toRevision === undefined)
      throw new ValidationError('endpoint', `an endpoint with an earlier revision (${current.name} is at its first)`)
    throw new NotFoundError('revision', `${current.name}@${req.toRevision}`, {
      data: { kept: current.history.map((h) => h.revision) },
    })
  }
  return next(current, target.variants, `rollback to revision ${target.revision}`, now)
}
