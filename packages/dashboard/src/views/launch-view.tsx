/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Launch: pick a spec from the examples folder (or type a path), change a few values,
// submit; on success the dashboard opens the new sweep or job.
import { type ReactElement, useEffect, useMemo, useRef } from 'react'
import { Box, Text } from 'ink'
import { useKeys } from '../use-keys.js'
import { errorText } from '@kiln/client'
import { describeError } from '../apply-change.js'
import { clip, fit } from '../format.js'
import { formFields, formProblem, listSpecs, overrides, readSpecDoc, type FormField } from '../launch-form.js'
import { MessageLevel } from '../state.js'
import { View, type ViewProps } from '../view-props.js'

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

type Loaded = { doc?: ReturnType<typeof readSpecDoc>; fields?: FormField[]; error?: string }

const PATH = 'path'
const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

/** The Launch view. */
export function LaunchView(p: ViewProps<LaunchNav>): ReactElement {
  const { nav, width, height } = p
  // The global keys stay off from the very key that opens a field (typed text may hold a q).
  const setNav = (f: (n: LaunchNav) => LaunchNav) =>
    p.setNav((n) => {
      const next = f(n)
      p.holdKeys(next.editing !== undefined)
      return next
    })
  // Coming back to a field left open holds the keyboard again (leaving the view released it).
  const editing = nav.editing !== undefined
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of editing matters, not a new p
  useEffect(() => p.holdKeys(editing), [editing])
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
    p.actions.launch(path, sets).then(
      (result) => {
        setNav((n) => ({
          ...n,
          status: {
            kind: 'done',
            text: `${result.kind} ${result.id} submitted${result.notes.length ? ` (${result.notes.join('; ')})` : ''}`,
          },
        }))
        p.say(MessageLevel.info, `launched ${result.kind} ${result.id}`)
        p.go(View.runs, { selected: 0, trial: 0, open: { kind: result.kind, id: result.id } })
      },
      // The whole message: a spec error lists every problem on its own line.
      (err) => setNav((n) => ({ ...n, status: { kind: 'error', text: errorText(err) } })),
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
  return (
    <Box flexDirection="row" width={width} height={height}>
      <Box flexDirection="column" width={listW} marginRight={2}>
        <Text bold>Specs</Text>
        {listRows.slice(0, height - 1).map((text, i) => (
          <Text
            key={text}
            wrap="truncate"
            inverse={nav.pane === 'specs' && nav.spec === i}
            dimColor={i === specs.length}
          >
            {fit(text, listW)}
          </Text>
        ))}
      </Box>
      <Box flexDirection="column" width={formW}>
        <Text bold>Values</Text>
        <Text wrap="truncate" color={nav.editing?.id === PATH ? 'yellow' : 'cyan'}>
          {pathLine}
        </Text>
        {loaded?.error ? (
          <Text color="red" wrap="wrap">
            {loaded.error}
          </Text>
        ) : null}
        {fields.map((f, i) => (
          <Text key={f.id} wrap="truncate" inverse={nav.pane === 'form' && nav.field === i}>
            <Text dimColor>{fit(f.label, labelW)}</Text>{' '}
            <Text color={nav.editing?.id === f.id ? 'yellow' : undefined}>{shown(f) || '-'}</Text>
          </Text>
        ))}
        {nav.path && !loaded?.error ? (
          <Text inverse={nav.pane === 'form' && nav.field === fields.length} bold color="green">
            [ Submit ]
          </Text>
        ) : null}
        {nav.status ? (
          <Box marginTop={1}>
            <Text color={statusColor} wrap="wrap">
              {nav.status.text}
            </Text>
          </Box>
        ) : null}
      </Box>
    </Box>
  )
}
