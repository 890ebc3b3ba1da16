// From a pipeline file to a plan: parameters resolved (defaults, then --param), every step
// checked against its kind, every reference against the step and output it names and the
// type the field takes, `after` and references turned into a DAG (no cycles), specs and
// conditions checked. Every problem is reported at once, naming the step and field, before
// anything runs.
import { compileExpression, didYouMean, isRecord, parseWith, problemsFrom } from '@kiln/protocol'
import { SpecError } from '@kiln/train/spec'
import { pipelineSchema, type PipelineDocument, type StepDocument, type TriggerDocument } from './pipeline-schema.js'
import { type Ref, findRefs, fieldOf, substitute } from './references.js'
import { checkStepSpec, type PlanProblem } from './spec-check.js'
import { STEP_KINDS, inputTypes, type StepKind, type StepKindName } from './step-kinds.js'
import { SCALARS, describeType, type ValueType } from './value-types.js'

/** A parameter's value. */
export type ParamValue = string | number | boolean

/** A reference from one step to another's output. */
export interface StepRef {
  /** The field holding it, relative to the step (`dataset`, `set.training.epochs`). */
  field: string
  step: string
  output: string
}

/** One step of a plan. */
export interface PlannedStep {
  name: string
  kind: StepKindName
  /** The kind's own fields, parameters filled in; references to steps still as written. */
  config: Record<string, unknown>
  /** Steps that must succeed first (referenced or in `after`), in plan order. */
  deps: string[]
  retries: number
  cache: boolean
  refs: StepRef[]
}

/** A checked pipeline, ready to run. */
export interface PipelinePlan {
  name: string
  description?: string
  params: Record<string, ParamValue>
  /** In an order where every step comes after those it depends on. */
  steps: PlannedStep[]
  triggers: TriggerDocument[]
}

export interface PlanOptions {
  /** Names the file in the error. */
  source?: string
  /** Parameter values (`--param K=V`), over the file's defaults. */
  params?: Record<string, unknown>
}

const COMMON = new Set(['kind', 'after', 'retries', 'cache', 'description'])

/** Checks a pipeline file's value and plans it; a SpecError ("invalid pipeline") lists every problem. */
export function planPipeline(value: unknown, options: PlanOptions = {}): PipelinePlan {
  const source = options.source ?? 'pipeline'
  const problems: PlanProblem[] = []
  const fail = () => new SpecError(source, problems, { what: 'pipeline' })
  const params = resolveParams(value, options.params ?? {}, problems)
  // Parameters are filled in before the steps are checked, so `epochs: ${params.epochs}` is
  // checked as the number it will be.
  const rawSteps = isRecord(value) && isRecord(value.steps) ? value.steps : {}
  const steps = substitute(rawSteps, (r) => (r.kind === 'param' ? params[r.name] : undefined)) as Record<
    string,
    unknown
  >
  // References first: a field holding a bad reference gets that problem, not its type's.
  const refs = new Map<string, StepRef[]>()
  for (const [name, step] of Object.entries(steps))
    if (isRecord(step)) refs.set(name, checkRefs(name, step, steps, params, problems))
  const reported = problems.map((p) => p.field)
  const raw = isRecord(value) ? { ...value, steps } : value
  const parsed = parseWith(pipelineSchema, raw)
  if (!parsed.success) {
    for (const p of problemsFrom('', parsed.error.issues, raw, { whole: 'pipeline' }))
      if (!reported.some((f) => p.field === f || p.field.startsWith(`${f}.`) || p.field.startsWith(`${f}[`)))
        problems.push({ field: p.field, message: p.message })
    throw fail()
  }
  const doc = (parsed as { data: PipelineDocument }).data
  const planned = Object.entries(doc.steps).map(([name, step]) =>
    planStep(name, step as StepDocument, Object.keys(doc.steps), refs.get(name) ?? [], problems),
  )
  const ordered = order(planned, problems)
  if (problems.length > 0) throw fail()
  return {
    name: doc.name,
    ...(doc.description ? { description: doc.description } : {}),
    params,
    steps: ordered,
    triggers: doc.triggers ?? [],
  }
}

function resolveParams(
  value: unknown,
  given: Record<string, unknown>,
  problems: PlanProblem[],
): Record<string, ParamValue> {
  const defaults = isRecord(value) && isRecord(value.params) ? value.params : {}
  const out: Record<string, ParamValue> = {}
  for (const [k, v] of Object.entries(defaults))
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v
  for (const [k, v] of Object.entries(given)) {
    if (!(k in out)) {
      const guess = didYouMean(k, Object.keys(out))
      const known = Object.keys(out).join(', ') || 'none'
      problems.push({
        field: `params.${k}`,
        message: `--param ${k}: expected a parameter of the pipeline (${known})${guess ? `, did you mean "${guess}"?` : ''}`,
      })
      continue
    }
    const want = typeof out[k]
    if (want === 'string') out[k] = typeof v === 'string' ? v : JSON.stringify(v)
    else if (typeof v === want) out[k] = v as ParamValue
    else
      problems.push({
        field: `params.${k}`,
        message: `--param ${k}: expected a ${want} (as its default ${JSON.stringify(out[k])}), got ${JSON.stringify(v)}`,
      })
  }
  return out
}

const kindOf = (step: unknown): StepKindName | undefined =>
  isRecord(step) && typeof step.kind === 'string' && step.kind in STEP_KINDS ? (step.kind as StepKindName) : undefined

// Every reference of one step: to a parameter that does not exist, to a step or output that
// does not, or of a type the field does not take, is a problem; the rest are its inputs.
function checkRefs(
  name: string,
  step: Record<string, unknown>,
  steps: Record<string, unknown>,
  params: Record<string, ParamValue>,
  problems: PlanProblem[],
): StepRef[] {
  const at = `steps.${name}`
  const own = kindOf(step)
  const config = Object.fromEntries(Object.entries(step).filter(([k]) => !COMMON.has(k)))
  const names = Object.keys(steps).filter((n) => n !== name)
  const refs: StepRef[] = []
  const add = (field: string, message: string) =>
    problems.push({ field: fieldOf(at, field), message: `${fieldOf(at, field)}: ${message}` })
  for (const found of findRefs(config, '')) {
    if ('problem' in found) {
      add(found.field, `expected ${found.problem}, got ${JSON.stringify(found.text)}`)
      continue
    }
    const ref: Ref = found.ref
    if (ref.kind === 'param') {
      const guess = didYouMean(ref.name, Object.keys(params))
      const known = Object.keys(params).join(', ') || 'none'
      add(
        found.field,
        `expected a parameter of the pipeline (${known}), got ${found.text}${guess ? ` (did you mean "params.${guess}"?)` : ''}`,
      )
      continue
    }
    if (ref.step === name) {
      add(found.field, `expected another step (a step cannot use its own outputs), got ${found.text}`)
      continue
    }
    if (!(ref.step in steps)) {
      const guess = didYouMean(ref.step, names)
      add(
        found.field,
        `expected a step of this pipeline, got ${found.text}${guess ? ` (did you mean "steps.${guess}"?)` : ''}`,
      )
      continue
    }
    const kind = kindOf(steps[ref.step])
    if (!kind) continue // its own kind problem is reported
    const outputs: Record<string, ValueType> = STEP_KINDS[kind].outputs
    const type = outputs[ref.output]
    if (!type) {
      add(
        found.field,
        `expected an output of ${ref.step} (a ${kind} step gives ${Object.keys(outputs).join(', ')}), got ${found.text}`,
      )
      continue
    }
    const when = (STEP_KINDS[kind] as StepKind).outputsWhen?.[ref.output]
    if (when && (steps[ref.step] as Record<string, unknown>)[when] === undefined) {
      add(found.field, `expected ${ref.step} to set ${when} (its ${ref.output} is given only then), got ${found.text}`)
      continue
    }
    if (!own) continue
    const accepts = found.whole ? inputTypes(own, found.field) : SCALARS
    if (!accepts) add(found.field, `expected a value (this field takes no references), got ${found.text}`)
    else if (!accepts.includes(type))
      add(
        found.field,
        `expected ${accepts.map(describeType).join(' or ')}${found.whole ? '' : ' (inside text)'}, got ${found.text} (${describeType(type)})`,
      )
    else refs.push({ field: found.field, step: ref.step, output: ref.output })
  }
  return refs
}

function planStep(
  name: string,
  step: StepDocument,
  names: string[],
  refs: StepRef[],
  problems: PlanProblem[],
): PlannedStep {
  const at = `steps.${name}`
  const config: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(step)) if (!COMMON.has(k) && v !== undefined) config[k] = v
  const after = step.after ?? []
  after.forEach((dep, i) => {
    if (!names.includes(dep) || dep === name) {
      const guess = didYouMean(
        dep,
        names.filter((n) => n !== name),
      )
      const field = `${at}.after[${i}]`
      problems.push({
        field,
        message: `${field}: expected another step of this pipeline, got ${JSON.stringify(dep)}${guess ? ` (did you mean "${guess}"?)` : ''}`,
      })
    }
  })
  if (step.kind === 'train' || step.kind === 'sweep')
    problems.push(
      ...checkStepSpec(
        at,
        config.spec as Record<string, unknown>,
        config.set as Record<string, unknown> | undefined,
        step.kind === 'sweep',
      ),
    )
  if (step.kind === 'condition') {
    try {
      compileExpression(String(config.when), () => () => undefined, `${at}.when`)
    } catch (err) {
      problems.push({ field: `${at}.when`, message: (err as Error).message })
    }
  }
  const deps = [...new Set([...refs.map((r) => r.step), ...after.filter((d) => names.includes(d) && d !== name)])]
  return { name, kind: step.kind, config, deps, retries: step.retries, cache: step.cache, refs }
}

// Document order where it allows; a cycle is a problem naming its steps.
function order(steps: PlannedStep[], problems: PlanProblem[]): PlannedStep[] {
  const byName = new Map(steps.map((s) => [s.name, s]))
  const out: PlannedStep[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (s: PlannedStep, path: string[]): boolean => {
    if (state.get(s.name) === 'done') return true
    if (state.get(s.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(s.name)), s.name]
      problems.push({
        field: `steps.${s.name}`,
        message: `steps.${s.name}: expected no cycle, got ${cycle.join(' -> ')}`,
      })
      return false
    }
    state.set(s.name, 'visiting')
    for (const d of s.deps) {
      const dep = byName.get(d)
      if (dep && !visit(dep, [...path, s.name])) return false
    }
    state.set(s.name, 'done')
    out.push(s)
    return true
  }
  for (const s of steps) if (!visit(s, [])) break
  return out
}
