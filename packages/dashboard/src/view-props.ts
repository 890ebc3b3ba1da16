// What every view of the dashboard gets from the app: the state to draw, its own place
// (nav), and the ways to act, hold the keyboard, or show another view.
import type { DashActions } from './actions.js'
import type { DataNeeds } from './live-source.js'
import type { DashState, MessageLevel } from './state.js'

/** The views, by id. */
export const View = {
  cluster: 'cluster',
  runs: 'runs',
  launch: 'launch',
  endpoints: 'endpoints',
  logs: 'logs',
  experiments: 'experiments',
  models: 'models',
  pipelines: 'pipelines',
} as const
export type View = (typeof View)[keyof typeof View]

/** The props of a view whose place is an `N`. */
export interface ViewProps<N> {
  state: DashState
  width: number
  height: number
  /** Keys reach the view while true (not while the help screen is up). */
  active: boolean
  /** This view's place, kept while other views show: as rendered, and as last set. */
  nav: N
  getNav(): N
  setNav(next: N | ((nav: N) => N)): void
  /**
   * Takes the keyboard from the global keys (tab, 1-5, ?, q) while a text field or a y/n
   * question needs every key; false gives it back. Leaving the view gives it back too.
   */
  holdKeys(held: boolean): void
  /** Shows another view, its place changed by `nav` (a run opened, a trial's log picked). */
  go(view: View, nav?: object): void
  /** cancel, promote and rollback say in the message line how they went; launch does not. */
  actions: DashActions
  needs: DataNeeds
  /** Where the Launch view finds specs. */
  specDir: string
  say(level: MessageLevel, text: string): void
}
