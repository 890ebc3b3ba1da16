// Launch: pick a spec from the examples folder (or type a path), change a few values,
// submit; on success the dashboard opens the new sweep or job.
import { type ReactElement, createElement as h, useMemo, useRef } from 'react'
import { Box, Text } from 'ink'
import { useKeys } from '../use-keys.js'
import type { LaunchResult } from '../actions.js'
import { describeError } from '../apply-change.js'
import { clip, fit } from '../format.js'
import { formFields, formProblem, listSpecs, overrides, readSpecDoc, type FormField } from '../launch-form.js'

export interface LaunchNav {
  pane: 'specs' | 'form'
  /** Selected row of the spec list (the last row is "other path…"). */
  spec: number
  /** The chosen spec file. */
  path?: string
  /** Selected row of the form (the last row is Submit). */
  field: number
  values: Record<string, string>
  editing?: { id: string; text: string }
  status?: { kind: 'busy' | 'error' | 'done'; text: string }
}

export const initialLaunchNav: LaunchNav = { pane: 'specs', spec: 0, field: 0, values: {} }

export interface LaunchViewProps {
  nav: LaunchNav
  /** The nav as last set (key handlers run before the next render). */
  getNav(): LaunchNav
  setNav(update: (nav: LaunchNav) => LaunchNav): void
  specDir: string
  launch(path: string, sets: readonly string[]): Promise<LaunchResult>
  onLaunched(result: LaunchResult): void
  active: boolean
  lock: { held: boolean }
  width: number
  height: number
}

type Loaded = { doc?: ReturnType<typeof readSpecDoc>; fields?: FormField[]; error?: string }

const PATH = 'path'
const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

/** The Launch view. */
export function LaunchView(p: LaunchViewProps): ReactElement {
  const { nav, width, height } = p
  // The global keys stay off from the very key that opens a field (typed text may hold a q).
  const setNav = (f: (n: LaunchNav) => LaunchNav) =>
    p.setNav((n) => {
      const next = f(n)
      p.lock.held = next.editing !== undefined
      return next
    })
  const specs = useMemo(() => listSpecs(p.specDir), [p.specDir])
  // By path, so that a key handler running before the next render reads the spec it just picked.
  const cache = useRef(new Map<string, Loaded>()).current
  const load = (path: string | undefined): Loaded | undefined => {
    if (!path) return undefined
    let hit = cache.get(path)
    if (!hit) {
      try {
        const doc = readSpecDoc(path)
        hit = { doc, fields: formFields(doc) }
      } catch (err) {
        hit = { error: describeError(err) }
      }
      cache.set(path, hit)
    }
    return hit
  }
  const loaded = load(nav.path)
  const fields: FormField[] = loaded?.fields ?? []
  p.lock.held = nav.editing !== undefined

  const submit = () => {
    const nav = p.getNav()
    const loaded = load(nav.path)
    const fields = loaded?.fields ?? []
    if (!nav.path || !loaded?.doc || nav.status?.kind === 'busy') return
    const problem = formProblem(fields, nav.values)
    if (problem) return setNav((n) => ({ ...n, status: { kind: 'error', text: problem } }))
    const sets = overrides(loaded.doc, fields, nav.values)
    const path = nav.path
    setNav((n) => ({
      ...n,
      status: {
        kind: 'busy',
        text: `submitting ${path}${sets.length ? ` with ${sets.length} change${sets.length === 1 ? '' : 's'}` : ''}…`,
      },
    }))
    p.launch(path, sets).then(
      (result) => {
        setNav((n) => ({
          ...n,
          status: {
            kind: 'done',
            text: `${result.kind} ${result.id} submitted${result.notes.length ? ` (${result.notes.join('; ')})` : ''}`,
          },
        }))
        p.onLaunched(result)
      },
      // The whole message: a spec error lists every problem on its own line.
      (err) =>
        setNav((n) => ({ ...n, status: { kind: 'error', text: err instanceof Error ? err.message : String(err) } })),
    )
  }

  useKeys((input, key) => {
    const nav = p.getNav()
    const fields = load(nav.path)?.fields ?? []
    const ed = nav.editing
    if (ed) {
      if (key.escape) return setNav((n) => ({ ...n, editing: undefined }))
      if (key.return) {
        if (ed.id === PATH)
          return setNav((n) => ({
            ...n,
            editing: undefined,
            path: ed.text.trim(),
            values: {},
            field: 0,
            pane: 'form',
            status: undefined,
          }))
        return setNav((n) => ({ ...n, editing: undefined, values: { ...n.values, [ed.id]: ed.text } }))
      }
      if (key.backspace || key.delete)
        return setNav((n) => ({ ...n, editing: { id: ed.id, text: ed.text.slice(0, -1) } }))
      if (key.ctrl && input === 'u') return setNav((n) => ({ ...n, editing: { id: ed.id, text: '' } }))
      if (input && !key.ctrl && !key.meta && !key.tab)
        return setNav((n) => ({ ...n, editing: { id: ed.id, text: ed.text + input } }))
      return
    }
    if (input === 's') return submit()
    if (nav.pane === 'specs') {
      const n = specs.length + 1
      if (key.upArrow) return setNav((s) => ({ ...s, spec: clamp(s.spec - 1, n) }))
      if (key.downArrow) return setNav((s) => ({ ...s, spec: clamp(s.spec + 1, n) }))
      if (key.return || key.rightArrow) {
        const chosen = specs[nav.spec]
        if (!chosen) return setNav((s) => ({ ...s, editing: { id: PATH, text: s.path ?? '' } }))
        return setNav((s) => ({
          ...s,
          path: chosen.path,
          values: s.path === chosen.path ? s.values : {},
          pane: 'form',
          field: 0,
          status: undefined,
        }))
      }
      return
    }
    const rows = fields.length + 1
    if (key.leftArrow || key.escape) return setNav((s) => ({ ...s, pane: 'specs' }))
    if (key.upArrow) return setNav((s) => ({ ...s, field: clamp(s.field - 1, rows) }))
    if (key.downArrow) return setNav((s) => ({ ...s, field: clamp(s.field + 1, rows) }))
    if (key.return) {
      const f = fields[nav.field]
      if (!f) return submit()
      return setNav((s) => ({ ...s, editing: { id: f.id, text: s.values[f.id] ?? f.initial } }))
    }
  }, p.active)

  const listW = Math.min(30, Math.max(18, Math.floor(width * 0.35)))
  const formW = width - listW - 2
  const listRows = [...specs.map((s) => `${s.sweep ? '◆' : ' '} ${s.label}`), '  other path…']
  const labelW = Math.min(20, Math.max(10, ...fields.map((f) => f.label.length)))
  const shown = (f: FormField) => (nav.editing?.id === f.id ? `${nav.editing.text}█` : (nav.values[f.id] ?? f.initial))
  const statusColor = nav.status?.kind === 'error' ? 'red' : nav.status?.kind === 'done' ? 'green' : 'yellow'
  const pathLine =
    nav.editing?.id === PATH
      ? `path: ${nav.editing.text}█`
      : nav.path
        ? clip(nav.path, formW)
        : 'pick a spec on the left (◆ = a sweep)'
  return h(
    Box,
    { flexDirection: 'row', width, height },
    h(
      Box,
      { flexDirection: 'column', width: listW, marginRight: 2 },
      h(Text, { bold: true }, 'Specs'),
      ...listRows.slice(0, height - 1).map((text, i) =>
        h(
          Text,
          {
            key: `s${i}`,
            wrap: 'truncate',
            inverse: nav.pane === 'specs' && nav.spec === i,
            dimColor: i === specs.length,
          },
          fit(text, listW),
        ),
      ),
    ),
    h(
      Box,
      { flexDirection: 'column', width: formW },
      h(Text, { bold: true }, 'Values'),
      h(Text, { wrap: 'truncate', color: nav.editing?.id === PATH ? 'yellow' : 'cyan' }, pathLine),
      ...(loaded?.error ? [h(Text, { key: 'err', color: 'red', wrap: 'wrap' }, loaded.error)] : []),
      ...fields.map((f, i) =>
        h(
          Text,
          { key: f.id, wrap: 'truncate', inverse: nav.pane === 'form' && nav.field === i },
          h(Text, { dimColor: true }, fit(f.label, labelW)),
          ' ',
          h(Text, { color: nav.editing?.id === f.id ? 'yellow' : undefined }, shown(f) || '-'),
        ),
      ),
      nav.path && !loaded?.error
        ? h(
            Text,
            { inverse: nav.pane === 'form' && nav.field === fields.length, bold: true, color: 'green' },
            '[ Submit ]',
          )
        : null,
      nav.status ? h(Box, { marginTop: 1 }, h(Text, { color: statusColor, wrap: 'wrap' }, nav.status.text)) : null,
    ),
  )
}
