// Issue 13, a uid per slot: two script trials running at once on one root worker in `user`
// mode (no bubblewrap: no namespaces between them) are two OS users, so neither can read
// the other's working folder nor signal its process. With one shared user (nobody, the
// first round) both reads and signals succeed.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { LogLine } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startScriptCluster, type ScriptCluster } from './script-trials.js'

type Ctx = { s?: ScriptCluster; meet?: string }
const uids = suite<Ctx>('security - trials on different slots run as different users')
const root = process.getuid?.() === 0

uids.before(
  loud(async (ctx) => {
    if (!root) return
    ctx.s = await startScriptCluster({ slots: 2, sandbox: 'user' })
    // Where the two trials meet: a folder both users may write (their folders are their own).
    ctx.meet = mkdtempSync(join(tmpdir(), 'kiln-meet-'))
    chmodSync(ctx.meet, 0o777)
  }),
)
uids.after(
  loud(async (ctx) => {
    await ctx.s?.close()
    if (ctx.meet) rmSync(ctx.meet, { recursive: true, force: true })
  }),
)

// Writes a secret into its working folder, says where it is, waits for the other trial,
// tries to read the other's secret and to signal its process, and prints what happened.
const probe = (
  meet: string,
  me: string,
  other: string,
) => `import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
const meet = ${JSON.stringify(meet)}
const until = async (file) => {
  const deadline = Date.now() + 90000
  while (!existsSync(join(meet, file))) {
    if (Date.now() > deadline) throw new Error('no ' + file + ': the other trial did not run at the same time')
    await new Promise((ok) => setTimeout(ok, 50))
  }
}
export default async function (ctx) {
  writeFileSync('secret', 'secret-of-${me}')
  writeFileSync(join(meet, '${me}.json'), JSON.stringify({ pid: process.pid, work: process.cwd() }))
  await until('${other}.json')
  const peer = JSON.parse(readFileSync(join(meet, '${other}.json'), 'utf8'))
  let read
  try { read = readFileSync(join(peer.work, 'secret'), 'utf8') } catch (e) { read = 'denied ' + e.code }
  let signal
  try { process.kill(peer.pid, 0); signal = 'allowed' } catch (e) { signal = 'denied ' + e.code }
  writeFileSync(join(meet, '${me}.done'), '')
  await until('${other}.done')
  console.log(JSON.stringify({ probe: '${me}', uid: process.getuid(), read, signal }))
  await ctx.report({ score: 1 })
}
`

const seen = (logs: LogLine[]) => {
  const line = logs.find((l) => l.msg.startsWith('{"probe"'))
  assert.ok(line, logs.map((l) => l.msg).join('\n'))
  return JSON.parse(line.msg) as { uid: number; read: string; signal: string }
}

const test = root ? uids : uids.skip
if (!root) console.log('  (skipped: a worker runs trials as other users only as root)')

test("two trials running at once cannot read each other's folder or signal each other", async (ctx) => {
  const [a, b] = await Promise.all([
    ctx.s!.run('uid-a', probe(ctx.meet!, 'a', 'b')),
    ctx.s!.run('uid-b', probe(ctx.meet!, 'b', 'a')),
  ])
  assert.is(a.trial.state, 'succeeded', a.trial.error?.message)
  assert.is(b.trial.state, 'succeeded', b.trial.error?.message)
  assert.ok(existsSync(join(ctx.meet!, 'a.done')) && existsSync(join(ctx.meet!, 'b.done')))
  const [sa, sb] = [seen(a.logs), seen(b.logs)]
  assert.is.not(sa.uid, sb.uid, 'one user for both slots')
  assert.is.not(sa.uid, 0)
  assert.is.not(sb.uid, 0)
  for (const s of [sa, sb]) {
    assert.not.match(s.read, /secret-of/, "read the other trial's working folder")
    assert.match(s.read, /^denied EACCES/)
    assert.match(s.signal, /^denied EPERM/, 'signalled the other trial')
  }
})

uids.run()
