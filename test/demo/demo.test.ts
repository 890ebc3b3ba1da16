// `npm run demo -- --quick --exit` end to end: a local cluster, the sweep, the deploy, the
// test set through the gateway, and the cluster stopped again.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const test = suite('demo - quick')
const REPO = resolve(import.meta.dirname, '..', '..')

test('demo - --quick --exit runs the lifecycle and stops the cluster', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-demo-'))
  try {
    const child = spawn(
      process.execPath,
      [join(REPO, 'scripts', 'demo.mjs'), '--quick', '--exit', '--plain', '--dir', dir],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d
    })
    child.stderr.on('data', (d: Buffer) => {
      out += d
    })
    const code = await new Promise<number | null>((ok) => child.on('close', ok))
    assert.is(code, 0, out.slice(-4000))
    assert.match(out, /sweep sweep-\w+: random search, asha scheduler, 4 trials/)
    assert.match(out, /trial-\d +running on worker-\d\/cpu0/)
    assert.match(out, /best trial \S*trial-\d+: val_accuracy 0\.\d+, registered as demo-sweep@1/)
    const acc = /test accuracy +([\d.]+)% of 10,000 images \(served by demo-sweep@1\)/.exec(out)
    assert.ok(acc, out.slice(-2000))
    // 4 short trials on 6,000 samples still learn: far above chance (10%).
    assert.ok(Number(acc![1]) > 60, `accuracy ${acc![1]}%`)
    assert.match(out, /latency +p50 [\d.]+ ms, p99 [\d.]+ ms per request/)
    assert.match(out, /local cluster in .* stopped/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
