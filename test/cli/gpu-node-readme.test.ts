// README's "Add a GPU node", followed literally in a scratch folder as far as it goes without
// root, a GPU or a cluster: every command of the section's sh blocks runs, with /opt/kiln and
// /etc/kiln moved under the scratch folder and the clone made from this repository. Commands
// that need the machine itself (apt-get, curl | bash, useradd, chown to the kiln user,
// systemctl, journalctl) are listed and skipped; the test fails if the section gains a
// command it neither runs nor knowingly skips.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SKIPPED = /^(apt-get|curl|useradd|chown|systemctl|journalctl) /

/** The commands of the README section's sh blocks, comments dropped, in order. */
function sectionCommands(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const start = readme.indexOf('### Add a GPU node')
  const section = readme.slice(start, readme.indexOf('\n## ', start))
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .map((l) => l.replace(/\s+#(?![^"]*"$).*$/, '').trim())
    .filter(Boolean)
}

const gpuNode = suite('cli - README "Add a GPU node" runs in a scratch folder')

// The clone holds the committed sources: this checkout's build outputs fit it only when the
// addon is built from them and nothing that builds is changed (as on CI's fresh clone).
function buildsFitHead(): string | undefined {
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'native', 'CMakeLists.txt', 'packages'], {
    cwd: repo,
    encoding: 'utf8',
  })
  if (dirty.status !== 0 || dirty.stdout.trim() !== '') return 'uncommitted changes under native/ or packages/'
  const check = spawnSync(process.execPath, [join(repo, 'scripts', 'build-native.mjs'), '--check'], {
    encoding: 'utf8',
  })
  return check.status === 0 ? undefined : 'the native addon is not built from these sources (pnpm build:native)'
}

gpuNode(
  'every command of the section runs (or is a known machine-level step) and gives a worker-ready checkout',
  () => {
    const unfit = buildsFitHead()
    if (unfit) {
      console.log(`skipped: ${unfit}; the clone would rebuild everything (minutes)`)
      return
    }
    const commands = sectionCommands()
    const skipped = commands.filter((c) => SKIPPED.test(c))
    assert.equal(
      [...new Set(skipped.map((c) => c.split(' ')[0]))].sort(),
      ['apt-get', 'chown', 'curl', 'journalctl', 'systemctl', 'useradd'],
      'the machine-level steps the test does not run',
    )
    const run = commands.filter((c) => !SKIPPED.test(c))
    const scratch = mkdtempSync(join(tmpdir(), 'kiln-gpu-node-'))
    try {
      const moved = run.map((c) =>
        c
          .replace(/^KILN_REPO=.*/, `KILN_REPO=${repo}`)
          .replaceAll('/opt/kiln', `${scratch}/opt/kiln`)
          .replaceAll('/etc/kiln', `${scratch}/etc/kiln`)
          .replaceAll('/etc/systemd/system/', `${scratch}/etc/systemd/system/`)
          .replaceAll('/root/ca.pem', `${scratch}/ca.pem`),
      )
      // Right after the clone: this checkout's build outputs (the native addon and dist/) are
      // copied in, newer than the sources, so setup finds them up to date instead of spending
      // minutes compiling what every npm test run already builds.
      const clone = moved.findIndex((c) => c.startsWith('git clone'))
      assert.ok(clone >= 0, 'the section clones Kiln')
      moved.splice(clone + 1, 0, `seed_builds ${scratch}/opt/kiln`)
      const script = [
        'set -euo pipefail',
        `seed_builds() {
        mkdir -p "$1/build/Release"
        cp ${repo}/build/kiln-native.stamp "$1/build/"
        cp ${repo}/build/Release/kiln.node ${repo}/build/Release/kiln-build.json "$1/build/Release/"
        for p in ${repo}/packages/*/; do
          n=$(basename "$p"); cp -r "$p/dist" "$1/packages/$n/"; cp "$p/tsconfig.tsbuildinfo" "$1/packages/$n/"
        done
      }`,
        `mkdir -p ${scratch}/etc/systemd/system`,
        // What the cluster's operator hands over with the login.
        `printf -- '-----BEGIN CERTIFICATE-----\\n' > ${scratch}/ca.pem`,
        ...moved,
      ].join('\n')
      writeFileSync(join(scratch, 'steps.sh'), script)
      const result = spawnSync('bash', [join(scratch, 'steps.sh')], {
        cwd: scratch,
        encoding: 'utf8',
        timeout: 540_000,
        env: {
          ...process.env,
          KILN_BIN_DIR: join(scratch, 'bin'),
          PATH: `${join(scratch, 'bin')}:${process.env.PATH}`,
        },
      })
      assert.is(result.status, 0, `the steps failed:\n${result.stdout}\n${result.stderr}`)
      // The checkout is worker-ready: kiln on PATH runs the compiled CLI and describes the addon.
      assert.match(result.stdout, /^v2\d\.|^v\d{2,}\./m, 'node --version')
      assert.match(result.stdout, /^kiln \d+\.\d+\.\d+$/m)
      assert.match(
        result.stdout,
        new RegExp(`^addon ${scratch}/opt/kiln/build/Release/kiln\\.node: \\w+ CPU kernels`, 'm'),
      )
      assert.not.match(
        result.stderr,
        /dataset-fashion-mnist|promtool|nats-server/,
        'worker setup fetched none of those',
      )
      assert.is(statSync(join(scratch, 'etc/kiln/worker.env')).mode & 0o777, 0o600)
      assert.ok(statSync(join(scratch, 'etc/systemd/system/kiln-worker.service')).isFile())
      assert.match(
        readFileSync(join(scratch, 'etc/systemd/system/kiln-worker.service'), 'utf8'),
        /^ExecStart=\/usr\/local\/bin\/kiln worker /m,
      )
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  },
)

gpuNode.run()
