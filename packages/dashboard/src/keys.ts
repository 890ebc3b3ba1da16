// The views, their keys, and the footer and help texts that name them.

export const View = {
  cluster: 'cluster',
  runs: 'runs',
  launch: 'launch',
  endpoints: 'endpoints',
  logs: 'logs',
  experiments: 'experiments',
  pipelines: 'pipelines',
} as const
export type View = (typeof View)[keyof typeof View]

/** The views in tab order, with their number key, title, and a shorter title for narrow screens. */
export const VIEWS: ReadonlyArray<{ id: View; key: string; title: string; short: string }> = [
  { id: View.cluster, key: '1', title: 'Cluster', short: 'Cluster' },
  { id: View.runs, key: '2', title: 'Sweeps & jobs', short: 'Sweeps' },
  { id: View.launch, key: '3', title: 'Launch', short: 'Launch' },
  { id: View.endpoints, key: '4', title: 'Endpoints', short: 'Endpts' },
  { id: View.logs, key: '5', title: 'Logs', short: 'Logs' },
  { id: View.experiments, key: '6', title: 'Evals', short: 'Evals' },
  { id: View.pipelines, key: '7', title: 'Pipelines', short: 'Pipes' },
]

const GLOBAL = 'tab/1-7 view  ? help  q quit'

/** The footer: the view's own keys, then the global ones. */
export const FOOTER: Record<View, string> = {
  cluster: `${GLOBAL}`,
  runs: `↑↓ select  ⏎ open  l logs  x cancel  esc back  ${GLOBAL}`,
  launch: `↑↓ select  ←→ pane  ⏎ edit/pick  s submit  ${GLOBAL}`,
  endpoints: `↑↓ select  p promote  r rollback  ${GLOBAL}`,
  logs: `↑↓ scroll  end follow  ⏎ pick  esc trials  ${GLOBAL}`,
  experiments: `/ filter  s sort  ⏎ open  esc back  ${GLOBAL}`,
  pipelines: `↑↓ select  ⏎ open  esc back  ${GLOBAL}`,
}

/** Lines of the help screen. */
export const HELP: ReadonlyArray<[string, string]> = [
  ['tab, shift-tab', 'next / previous view'],
  ['1 2 3 4 5 6 7', 'Cluster, Sweeps & jobs, Launch, Endpoints, Logs, Evals (experiments), Pipelines'],
  ['↑ ↓, ⏎', 'move, select or open'],
  ['esc', 'back (close a sweep, leave a field, answer no)'],
  ['l', "Sweeps: follow the selected trial's log"],
  ['x', 'Sweeps: cancel the selected sweep or job (asks first)'],
  ['← →', 'Launch: switch between the spec list and its values'],
  ['⏎, ctrl-u, esc', 'Launch: edit a value, clear it, leave it unchanged'],
  ['s', 'Launch: submit the spec with the values shown'],
  ['p, r', 'Endpoints: promote the selected variant, roll the endpoint back (ask first)'],
  ['end, home', 'Logs: follow the newest lines, go to the first'],
  ['/, s', 'Evals: filter runs (--where syntax: test_accuracy > 0.9 and tags.team == "vision"), change the sort'],
  ['⏎, esc', 'Pipelines: open a run (its DAG, each step with state, duration and cache hit), back'],
  ['?', 'this help (any key closes it)'],
  ['q, ctrl-c', 'quit (the cluster keeps running)'],
]
