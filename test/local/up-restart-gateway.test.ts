// A second `kiln up --detach` restarts a gateway that died and returns once it answers (issue
// 14): it waited for a ready line the gateway never prints, for 120 s, then failed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { freePort, pidAlive, readClusterFile } from '@kiln/local'
import { runKiln } from '../helpers/kiln-process.js'

const restart = suite<{ dir: string }>('local - kiln up restarts a dead gateway')
restart.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-up-gw-'))
})
restart.after(async ({ dir }) => {
  await runKiln(['down'], dir, { KILN_DIR: '' })
  rmSync(dir, { recursive: true, force: true })
})

restart('kiln up --detach restarts the killed gateway and returns once it serves', async ({ dir }) => {
  const env = { KILN_DIR: '' }
  const port = await freePort()
  const up = await runKiln(['up', '--detach', '--workers', '0', '--port', String(port)], dir, env)
  assert.is(up.code, 0, up.stdout + up.stderr)
  const gateway = () => readClusterFile(join(dir, '.kiln'))!.processes.find((p) => p.name === 'gateway')!
  const first = gateway()
  process.kill(first.pid, 'SIGKILL')
  const started = Date.now()
  const again = await runKiln(['up', '--detach', '--workers', '0'], dir, env)
  const seconds = (Date.now() - started) / 1000
  assert.is(again.code, 0, again.stdout + again.stderr)
  assert.match(again.stdout, /not running: gateway \(restarting them\)/)
  assert.match(again.stdout, /gateway ready \(pid \d+/)
  // Well inside the 120 s ready timeout it used to run into.
  assert.ok(seconds < 90, `took ${seconds} s`)
  const restarted = gateway()
  assert.not.equal(restarted.pid, first.pid)
  assert.ok(pidAlive(restarted.pid, restarted.marker))
  const res = await fetch(`http://127.0.0.1:${port}/v2/health/ready`)
  assert.is(res.status, 200)
})

restart.run()
