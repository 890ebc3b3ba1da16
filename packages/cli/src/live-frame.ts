// A block of lines redrawn in place on a terminal (sweep --watch, submit --watch), so a
// watch shows the current state rather than scrolling a copy of it per change. Lines are
// clipped to the terminal's width: a wrapped line would break the count of lines to redraw.
import type { CliIo } from './io.js'

/** Whether output goes to a terminal that can redraw (else watches print plain lines). */
export function canRedraw(io: CliIo): boolean {
  return io.stdout.isTTY === true && io.env.TERM !== 'dumb'
}

/** Draws `lines` over the previous frame; `keep()` leaves the last frame on screen for good. */
export function liveFrame(io: CliIo): { draw(lines: string[]): void; keep(): void } {
  let shown = 0
  return {
    draw(lines) {
      const columns = io.stdout.columns ?? 120
      const clipped = lines.map((l) => (l.length >= columns ? `${l.slice(0, Math.max(1, columns - 2))}…` : l))
      io.stdout.write(`${shown > 0 ? `\x1b[${shown}A` : ''}\r\x1b[0J${clipped.join('\n')}\n`)
      shown = clipped.length
    },
    keep() {
      shown = 0
    },
  }
}
