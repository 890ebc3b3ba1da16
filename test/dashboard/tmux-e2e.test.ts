// kiln dash on a real terminal (tmux, 80×24) against a real local cluster (kiln up): launch
// a sweep from the Launch view with keystrokes and see its trials appear.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { waitFor } from '../helpers/wait-for.js'

const test = suite('dashboard - tmux')
const REPO = resolve(import.meta.dirname, '..', '..')
const MAIN = join(REPO, 'packages', 'cli', 'src', 'main.ts')
const TSX = import.meta.resolve('tsx')
const hasTmux = spawnSync('tmux', ['-V']).status === 0
const session = `kiln-dash-e2e-${process.pid}`
const dir = mkdtempSync(join(tmpdir(), 'kiln-dash-e2e-'))

const kilnArgs = (...args: string[]) => ['--conditions=kiln-src', '--import', TSX, MAIN, ...args]
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' })
const screen = () => tmux('capture-pane', '-t', session, '-p')
// With colours: the selected row is drawn inverse (SGR 7).
const selected = (label: string) => () =>
  tmux('capture-pane', '-t', session, '-p', '-e')
    .split('\n')
    .some((l) => /\x1b\[[0-9;]*7m/.test(l) && l.includes(label))
const send = (...keys: string[]) => tmux('send-keys', '-t', session, ...keys)

async function until(what: string, probe: (s: string) => boolean, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    what,
    () => {
      const s = screen()
      return probe(s) ? s : undefined
    },
    timeoutMs,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nscreen:\n${screen()}`)
  })
}

// Keys one at a time, each after the screen has taken the one before (no fixed sleeps).
async function type(keys: Array<[string[], (s: string) => boolean, string]>): Promise<void> {
  for (const [k, done, what] of keys) {
    send(...k)
    await until(what, done, 10_000)
  }
}

const down = (label: string): [string[], () => boolean, string] => [['Down'], selected(label), `${label} selected`]

test.after(() => {
  if (hasTmux) spawnSync('tmux', ['kill-session', '-t', session])
  spawnSync(process.execPath, kilnArgs('down'), { cwd: dir, stdio: 'ignore' })
  rmSync(dir, { recursive: true, force: true })
})

test('dashboard - tmux: launch a sweep with keystrokes at 80x24 and watch its trials appear', async () => {
  if (!hasTmux) {
    console.log('skipped: tmux is not installed (scripts/setup installs it)')
    return
  }
  execFileSync(process.execPath, kilnArgs('up', '--workers', '1', '--detach', '--no-gateway'), {
    cwd: dir,
    stdio: 'pipe',
    timeout: 120_000,
  })
  // CI=true as on CI runners: Ink then draws nothing until exit unless kiln dash opts out.
  const cmd = ['env', 'CI=true', process.execPath, ...kilnArgs('dash', '--specs', join(REPO, 'examples'))]
    .map((a) => `'${a}'`)
    .join(' ')
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '80',
    '-y',
    '24',
    '-c',
    dir,
    `${cmd}; echo "dash exited $?"; sleep 600`,
  )
  // Ready for keys: the footer naming them is drawn only once Ink reads the keyboard.
  await until(
    'the dashboard, ready for keys',
    (s) => s.includes('● live') && s.includes('NODE') && s.includes('q quit'),
  )
  const field = (label: string, value: string) => (s: string) => new RegExp(`${label} +${value}`).test(s)
  await type([
    [['3'], (s) => s.includes('demo-sweep.yaml'), 'the Launch view'],
    [['Enter'], field('max trials', '12'), 'the demo sweep values'],
    [['Enter'], (s) => s.includes('demo-sweep█'), 'editing the name'],
    [['C-u'], (s) => /name +█/.test(s), 'an empty name'],
    [['-l', 'tmux-e2e'], (s) => s.includes('tmux-e2e█'), 'the typed name'],
    [['Enter'], field('name', 'tmux-e2e'), 'the new name'],
    down('max trials'),
    [['Enter'], (s) => s.includes('12█'), 'editing max trials'],
    [['C-u'], (s) => /max trials +█/.test(s), 'an empty max trials'],
    [['2'], (s) => s.includes('2█'), 'the typed 2'],
    [['Enter'], field('max trials', '2'), 'max trials 2'],
    down('max concurrent'),
    down('lr low'),
    down('lr high'),
    down('epochs'),
    [['Enter'], (s) => s.includes('3█'), 'editing epochs'],
    [['C-u'], (s) => /epochs +█/.test(s), 'empty epochs'],
    [['1'], (s) => s.includes('1█'), 'the typed 1'],
    [['Enter'], field('epochs', '1'), 'epochs 1'],
  ])
  send('s')
  // A key the dashboard never took leaves the screen as it was: say what mode the terminal
  // was in (raw mode off echoes the key and holds it in the line buffer).
  await until(
    'the submission to start',
    (s) => /submitting|submitted|tmux-e2e (pending|running)/.test(s),
    20_000,
  ).catch((err: Error) => {
    const tty = tmux('display-message', '-p', '-t', session, '#{pane_tty}').trim()
    const mode = spawnSync('stty', ['-a', '-F', tty], { encoding: 'utf8' })
    throw new Error(`${err.message}\nterminal ${tty}: ${mode.stdout || mode.stderr}`)
  })
  const launched = await until('the new sweep', (s) => /tmux-e2e (pending|running)/.test(s), 60_000)
  assert.match(launched, /launched sweep sweep-/)
  const trials = await until('both trials', (s) => /trial-1 /.test(s) && /trial-2 /.test(s), 120_000)
  for (const line of trials.split('\n')) assert.ok([...line].length <= 80, line)
  await until('trials that ran', (s) => /trial-\d +(running|succeeded|stopped)/.test(s), 180_000)
  send('q')
  await until('the dashboard to exit', (s) => s.includes('dash exited 0'))
})

test.run()
