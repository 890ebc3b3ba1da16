// The views, their keys, and the footer and help texts that name them.

export const View = {
  cluster: 'cluster',
  runs: 'runs',
  launch: 'launch',
  endpoints: 'endpoints',
  logs: 'logs',
  experiments: 'experiments',
} as const
export type View = (typeof View)[keyof typeof View]

/** The views in tab order, with their number key and title. */
export const VIEWS: ReadonlyArray<{ id: View; key: string; title: string }> = [
  { id: View.cluster, key: '1', title: 'Cluster' },
  { id: View.runs, key: '2', title: 'Sweeps & jobs' },
  { id: View.launch, key: '3', title: 'Launch' },
  { id: View.endpoints, key: '4', title: 'Endpoints' },
  { id: View.logs, key: '5', title: 'Logs' },
  { id: View.experiments, key: '6', title: 'Evals' },
]

const GLOBAL = 'tab/1-6 view  ? help  q quit'

/** The footer: the view's own keys, then the global ones. */
export const FOOTER: Record<View, string> = {
  cluster: `${GLOBAL}`,
  runs: `↑↓ select  ⏎ open  l logs  x cancel  esc back  ${GLOBAL}`,
  launch: `↑↓ select  ←→ pane  ⏎ edit/pick  s submit  ${GLOBAL}`,
  endpoints: `↑↓ select  p promote  r rollback  ${GLOBAL}`,
  logs: `↑↓ scroll  end follow  ⏎ pick  esc trials  ${GLOBAL}`,
  experiments: `/ filter  s sort  ⏎ open  esc back  ${GLOBAL}`,
}

/** Lines of the help screen. */
export const HELP: ReadonlyArray<[string, string]> = [
  ['tab, shift-tab', 'next / previous view'],
  ['1 2 3 4 5 6', 'Cluster, Sweeps & jobs, Launch, Endpoints, Logs, Evals (experiments)'],
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
  ['?', 'this help (any key closes it)'],
  ['q, ctrl-c', 'quit (the cluster keeps running)'],
]
