#!/usr/bin/env node
// Runs every uvu suite file (test/**/*.test.ts) in its own node process, one after the
// other: a native crash or a hang then costs one file, not the run, and threaded native
// tests never compete for the 2 cores. Ends with one line: `N passed, N failed[, N skipped]`.
//   node scripts/run-tests.mjs [path-prefix ...]
// KILN_TEST_TIMEOUT_S (default 600) bounds each file.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(import.meta.url), '../..')
const timeoutMs = Number(process.env.KILN_TEST_TIMEOUT_S || 600) * 1000

function findTests(dir) {
  let out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules') out = out.concat(findTests(path))
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const filters = process.argv.slice(2).map((arg) => resolve(arg))
for (const f of filters) {
  try {
    statSync(f)
  } catch {
    console.error(`run-tests: no such path: ${relative(root, f) || f}`)
    process.exit(1)
  }
}
const files = findTests(join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((f) => file === f || file.startsWith(`${f}/`)))
  .sort()

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

/** Reads uvu's closing block (Total / Passed / Skipped); null when the file never got there. */
function parseSummary(text) {
  const plain = text.replace(ANSI, '')
  const num = (label) => {
    const all = [...plain.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, 'gm'))]
    return all.length ? Number(all[all.length - 1][1]) : null
  }
  const total = num('Total'),
    passed = num('Passed'),
    skipped = num('Skipped')
  if (total === null || passed === null) return null
  return { passed, failed: Math.max(0, total - passed), skipped: skipped ?? 0 }
}

function runFile(file) {
  return new Promise((done) => {
    const env = { ...process.env }
    if (process.stdout.isTTY && !('FORCE_COLOR' in env)) env.FORCE_COLOR = '1'
    // detached: the file gets its own process group, so whatever it leaves running
    // (a nats-server after a crash) is killed with it.
    const child = spawn(process.execPath, ['--conditions=kiln-src', '--import', 'tsx', file], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.stderr.on('data', (d) => {
      process.stderr.write(d)
    })
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, timeoutMs)
    // Kill leftovers on 'exit': one holding our pipes open would otherwise delay 'close'.
    let status
    child.on('exit', (code, signal) => {
      status = { code, signal }
      clearTimeout(timer)
      killGroup()
    })
    child.on('close', () => {
      current = null
      done({ ...status, timedOut, out })
    })
    current = killGroup
  })
}

let current = null
process.on('SIGINT', () => {
  current?.()
  process.exit(130)
})

const totals = { passed: 0, failed: 0, skipped: 0 }
const failedFiles = []
for (const file of files) {
  const name = relative(root, file)
  console.log(`\n▶ ${name}`)
  const { code, signal, timedOut, out } = await runFile(file)
  const summary = parseSummary(out)
  let result = summary ?? { passed: 0, failed: 1, skipped: 0 }
  let why = ''
  if (timedOut) why = `timed out after ${timeoutMs / 1000} s`
  else if (signal) why = `killed by ${signal}`
  else if (!summary) why = `exited ${code} without a uvu summary`
  else if (code !== 0 && result.failed === 0) why = `exited ${code} after its tests`
  // A file whose process went wrong counts at least one failure, whatever it printed.
  if (why && result.failed === 0) result = { ...result, failed: 1 }
  if (why) console.log(`✘ ${name}: ${why}`)
  if (result.failed > 0) failedFiles.push(name)
  totals.passed += result.passed
  totals.failed += result.failed
  totals.skipped += result.skipped
}

if (files.length === 0) console.log('run-tests: no test files matched')
if (failedFiles.length) console.log(`\nfailed files:\n  ${failedFiles.join('\n  ')}`)
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
process.exit(totals.failed > 0 || files.length === 0 ? 1 : 0)
