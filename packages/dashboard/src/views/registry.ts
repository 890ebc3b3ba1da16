// The views of the dashboard, in tab order: each with its key, title, the keys it adds (for
// the footer and the help screen), where it starts, and the component that draws it. A new
// view is one entry here.
import type { ReactElement } from 'react'
import { View, type ViewProps } from '../view-props.js'
import { ClusterView } from './cluster-view.js'
import { EndpointsView, initialEndpointsNav } from './endpoints-view.js'
import { ExperimentsView, initialExperimentsNav } from './experiments-view.js'
import { LaunchView, initialLaunchNav } from './launch-view.js'
import { LogsView, initialLogsNav } from './logs-view.js'
import { ModelsView, initialModelsNav } from './models-view.js'
import { PipelinesView, initialPipelinesNav } from './pipelines-view.js'
import { RunsView, initialRunsNav } from './runs-view.js'

/** One view: `N` is its place (nav), kept while other views show. */
export interface ViewEntry<N = unknown> {
  id: View
  /** Its number key. */
  key: string
  title: string
  /** Its title in the tab bar when the full titles do not fit the terminal's width. */
  short?: string
  /** The keys it adds, for the footer (the global ones follow). */
  footer: string
  /** Its lines of the help screen: [keys, what they do]. */
  help: ReadonlyArray<readonly [string, string]>
  initialNav: N
  Component: (props: ViewProps<N>) => ReactElement
}

// Each entry is typed with its own nav; the registry holds them side by side.
function entry<N>(e: ViewEntry<N>): ViewEntry {
  return e as unknown as ViewEntry
}

/** Every view, in tab order. */
export const VIEWS: readonly ViewEntry[] = [
  entry({
    id: View.cluster,
    key: '1',
    title: 'Cluster',
    footer: '',
    help: [],
    initialNav: undefined,
    Component: ClusterView,
  }),
  entry({
    id: View.runs,
    key: '2',
    title: 'Sweeps & jobs',
    short: 'Sweeps',
    footer: '↑↓ select  ⏎ open  l logs  x cancel  esc back',
    help: [
      ['l', "Sweeps: follow the selected trial's log"],
      ['x', 'Sweeps: cancel the selected sweep or job (asks first)'],
    ],
    initialNav: initialRunsNav,
    Component: RunsView,
  }),
  entry({
    id: View.launch,
    key: '3',
    title: 'Launch',
    footer: '↑↓ select  ←→ pane  ⏎ edit/pick  s submit',
    help: [
      ['← →', 'Launch: switch between the spec list and its values'],
      ['⏎, ctrl-u, esc', 'Launch: edit a value, clear it, leave it unchanged'],
      ['s', 'Launch: submit the spec with the values shown'],
    ],
    initialNav: initialLaunchNav,
    Component: LaunchView,
  }),
  entry({
    id: View.endpoints,
    key: '4',
    title: 'Endpoints',
    short: 'Endpts',
    footer: '↑↓ select  p promote  r rollback',
    help: [['p, r', 'Endpoints: promote the selected variant, roll the endpoint back (ask first)']],
    initialNav: initialEndpointsNav,
    Component: EndpointsView,
  }),
  entry({
    id: View.logs,
    key: '5',
    title: 'Logs',
    footer: '↑↓ scroll  end follow  ⏎ pick  esc trials',
    help: [['end, home', 'Logs: follow the newest lines, go to the first']],
    initialNav: initialLogsNav,
    Component: LogsView,
  }),
  entry({
    id: View.experiments,
    key: '6',
    title: 'Evals',
    footer: '/ filter  s sort  ⏎ open  esc back',
    help: [
      ['/, s', 'Evals: filter runs (--where syntax: test_accuracy > 0.9 and tags.team == "vision"), change the sort'],
    ],
    initialNav: initialExperimentsNav,
    Component: ExperimentsView,
  }),
  entry({
    id: View.pipelines,
    key: '7',
    title: 'Pipelines',
    short: 'Pipes',
    footer: '↑↓ select  ⏎ open  esc back',
    help: [['⏎, esc', 'Pipelines: open a run (its DAG, each step with state, duration and cache hit), back']],
    initialNav: initialPipelinesNav,
    Component: PipelinesView,
  }),
  entry({
    id: View.models,
    key: '8',
    title: 'Models',
    footer: '↑↓ select  a approve  c champion',
    help: [['a, c', 'Models: approve the selected version, make it the champion alias (ask first)']],
    initialNav: initialModelsNav,
    Component: ModelsView,
  }),
]

/** The keys every view has. */
const GLOBAL_FOOTER = `tab/1-${VIEWS.length} view  ? help  q quit`

/** The footer of a view: its own keys, then the global ones. */
export function footerOf(view: View): string {
  const own = VIEWS.find((v) => v.id === view)?.footer
  return own ? `${own}  ${GLOBAL_FOOTER}` : GLOBAL_FOOTER
}

/** Lines of the help screen: the global keys, then each view's. */
export const HELP: ReadonlyArray<readonly [string, string]> = [
  ['tab, shift-tab', 'next / previous view'],
  [VIEWS.map((v) => v.key).join(' '), VIEWS.map((v) => v.title).join(', ')],
  ['↑ ↓, ⏎', 'move, select or open'],
  ['esc', 'back (close a sweep, leave a field, answer no)'],
  ...VIEWS.flatMap((v) => v.help),
  ['?', 'this help (any key closes it)'],
  ['q, ctrl-c', 'quit (the cluster keeps running)'],
]
