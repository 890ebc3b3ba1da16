import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { downLocalCluster, pidAlive, readClusterFile, type ClusterFile } from '@kiln/local'
import { loud } from '../helpers/hooks.js'
import { kiln, kilnHere } from '../helpers/kiln-cli.js'

const cli = suite<{ project: string }>('local - kiln up, status, down')
cli.before((ctx) => {
  ctx.project = mkdtempSync(join(tmpdir(), 'kiln-cli-up-'))
})
// Whatever a failed test left running is stopped here.
cli.after(
  loud(async ({ project }) => {
    await downLocalCluster(join(project, '.kiln')).catch(() => false)
    rmSync(project, { recursive: true, force: true })
  }),
)

cli('kiln up --detach starts the cluster; status sees it; a second up finds it; down stops it', async ({ project }) => {
  const up = await kiln(['up', '--detach', '--workers', '0', '--no-gateway', '--json'], project)
  assert.is(up.code, 0, up.stderr)
  const done = up.lines.at(-1) as { event: string; found: boolean; missing: string[]; cluster: ClusterFile }
  assert.equal([done.event, done.found], ['up', false])
  const info = readClusterFile(join(project, '.kiln'))!
  assert.equal(info, done.cluster)
  assert.match(info.url, /^nats:\/\/127\.0\.0\.1:\d+$/)
  // The coordinator either runs, or this build says plainly that it has no such command.
  const expected = done.missing.includes('coordinator') ? ['nats'] : ['nats', 'coordinator']
  assert.equal(
    info.processes.map((p) => p.name),
    expected,
  )
  for (const p of info.processes) assert.ok(pidAlive(p.pid, p.marker), `${p.name} runs`)

  const status = await kilnHere(['status', '--json'], project)
  assert.is(status.code, 0, status.stderr)
  const report = status.lines[0] as {
    running: boolean
    probe: { nats: { ok: boolean }; coordinator: { ok: boolean }; nodes: { ok: boolean; ids: string[] } }
  }
  assert.ok(report.running)
  assert.ok(report.probe.nats.ok)
  assert.equal(report.probe.nodes, { ok: true, ids: [] })
  assert.is(report.probe.coordinator.ok, expected.includes('coordinator'), JSON.stringify(report.probe.coordinator))

  const again = await kiln(['up', '--detach', '--json'], project)
  assert.is(again.code, 0, again.stderr)
  assert.equal(again.lines[0], { event: 'found', url: info.url, dead: [], supervised: false })
  assert.equal(
    (again.lines.at(-1) as { cluster: ClusterFile }).cluster.processes.map((p) => p.pid),
    info.processes.map((p) => p.pid),
  )

  const down = await kilnHere(['down', '--json'], project)
  assert.is(down.code, 0, down.stderr)
  assert.equal(
    down.lines.filter((l) => l.event === 'stopped').map((l) => l.name),
    [...expected].reverse(),
  )
  assert.equal(down.lines.at(-1), { event: 'down', dir: join(project, '.kiln'), wasRunning: true })
  for (const p of info.processes) assert.not.ok(pidAlive(p.pid, p.marker), `${p.name} stopped`)
  const after = await kilnHere(['status', '--json'], project)
  assert.is(after.code, 1)
  assert.is((after.lines[0] as { running: boolean }).running, false)
})

cli('bad flags are refused before anything starts', async ({ project }) => {
  const bad = await kilnHere(['up', '--workers', 'many', '--json'], project)
  assert.is(bad.code, 2)
  assert.match(JSON.stringify(bad.lines[0]), '--workers: expected an integer from 0 to 64, got \\"many\\"')
  const both = await kilnHere(['up', '--no-gateway', '--port', '9000', '--json'], project)
  assert.is(both.code, 2)
})

cli.run()
