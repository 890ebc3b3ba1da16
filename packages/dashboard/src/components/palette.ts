// Colours: one per trial series (the table's marker and the chart line agree), and states.

/** Colours of chart series, in table order. */
export const SERIES_COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blueBright', 'red', 'white', 'gray'] as const

/** How a job, trial or sweep state is coloured. */
export function stateColor(state: string): string | undefined {
  switch (state) {
    case 'running':
    case 'placed':
      return 'cyan'
    case 'succeeded':
    case 'completed':
      return 'green'
    case 'failed':
    case 'lost':
      return 'red'
    case 'cancelled':
    case 'stopped':
    case 'paused':
      return 'gray'
    case 'pending':
      return 'yellow'
    default:
      return undefined
  }
}
