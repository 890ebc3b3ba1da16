// Issue 15: @kiln/client is a package a service can install. Its tarball and those of what it
// needs (@kiln/protocol, @kiln/cluster-state, @kiln/local, @kiln/data), packed as `pnpm pack` writes
// them (workspace versions resolved, publishConfig's dist exports), install into an empty
// folder outside this repository, and a script there submits a job to a real cluster, waits
// for it and reads its log through the installed package alone.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loud } from '../helpers/hooks.js'
import { type SmallCluster, startSmallCluster } from '../helpers/small-cluster.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const PACKAGES = ['protocol', 'cluster-state', 'local', 'data', 'client']

type Ctx = {
  cluster?: SmallCluster
  data?: { dir: string; remove(): void }
  scratch?: string
}
const packed = suite<Ctx>('client - @kiln/client from packed tarballs talks to a cluster')

packed.before(
  loud(async (ctx) => {
    ctx.data = tempDir('kiln-packed-data-')
    writeNpyBlobs(ctx.data.dir, 200, [5], 2)
    ctx.cluster = await startSmallCluster(ctx.data.dir, 'packed-w1')
    ctx.scratch = mkdtempSync(join(tmpdir(), 'kiln-packed-'))
  }),
)
packed.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    ctx.data?.remove()
    if (ctx.scratch) rmSync(ctx.scratch, { recursive: true, force: true })
  }),
)

// Asynchronous: the cluster it talks to runs in this process, whose event loop must go on.
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d))
  child.stderr.on('data', (d: Buffer) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000)
  const code = await new Promise<number | null>((ok) => child.once('close', ok))
  clearTimeout(timer)
  assert.is(code, 0, `${cmd} ${args.join(' ')} in ${cwd}:\n${stdout}\n${stderr}`)
  return stdout
}

packed('packed, installed in an empty folder, it submits a job, follows it and reads its log', async (ctx) => {
  const scratch = ctx.scratch!
  for (const p of PACKAGES) await run('pnpm', ['pack', '--pack-destination', scratch], join(repo, 'packages', p))
  const tarball = (p: string) => `file:../kiln-${p}-0.1.0.tgz`
  const app = join(scratch, 'app')
  mkdirSync(app)
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'a-service',
      private: true,
      type: 'module',
      dependencies: { '@kiln/client': tarball('client') },
    }),
  )
  // @kiln/client names its siblings by version (0.1.0), which no registry has: they come
  // from their tarballs too. msgpackr's optional native speed-up needs no build here.
  writeFileSync(
    join(app, 'pnpm-workspace.yaml'),
    `overrides:\n${PACKAGES.filter((p) => p !== 'client')
      .map((p) => `  "@kiln/${p}": "${tarball(p)}"\n`)
      .join('')}allowBuilds:\n  msgpackr-extract: false\n`,
  )
  await run('pnpm', ['install', '--offline'], app)
  const installed = join(app, 'node_modules', '@kiln', 'client')
  assert.ok(existsSync(join(installed, 'dist', 'index.js')) && existsSync(join(installed, 'dist', 'index.d.ts')))
  assert.not.ok(existsSync(join(installed, 'src')), 'only dist/ is packed')

  writeFileSync(
    join(app, 'service.mjs'),
    `import { connectKiln, JobsClient, trialLogs } from '@kiln/client'
const [url, dataset] = process.argv.slice(2)
const nc = await connectKiln({ nats: url })
const jobs = new JobsClient(nc)
const spec = { name: 'from-a-service', dataset, model: { builtin: 'mlp', hidden: [4] },
  training: { epochs: 1, batchSize: 32, validationSplit: 0.2, seed: 1 } }
const { job } = await jobs.submit(spec)
let shown
for (let i = 0; i < 600; i++) {
  shown = await jobs.show(job.id)
  if (['succeeded', 'failed', 'cancelled'].includes(shown.job.state)) break
  await new Promise((ok) => setTimeout(ok, 200))
}
const lines = []
for await (const line of trialLogs(nc, shown.trials[0].id)) lines.push(line.msg)
console.log(JSON.stringify({ state: shown.job.state, lines, client: import.meta.resolve('@kiln/client') }))
await nc.close()
`,
  )
  const out = JSON.parse(
    await run('node', ['service.mjs', ctx.cluster!.server.url, join(ctx.data!.dir, 'x.npy')], app),
  ) as {
    state: string
    lines: string[]
    client: string
  }
  assert.is(out.state, 'succeeded')
  assert.ok(
    out.lines.some((l) => l.startsWith('epoch 1/1')),
    out.lines.join('\n'),
  )
  assert.ok(out.client.startsWith(`file://${app}/node_modules/`), `the installed copy: ${out.client}`)
})

packed.run()
