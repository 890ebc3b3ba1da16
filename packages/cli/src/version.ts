// `kiln --version`: Kiln, Node, nats-server and the native addon (which CPU kernels this
// machine runs, whether it has CUDA kernels). It loads neither tfjs nor the addon: the addon
// is described by the kiln-build.json its build writes beside it, the CPU by /proc/cpuinfo.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the addon's build recorded (CMakeLists.txt writes it). */
export interface AddonBuild {
  format: 'kiln-build/1'
  /** The CUDA toolkit version it was built with; null: built without CUDA. */
  cuda: string | null
  cpuKernels: string[]
}

/** Where the addon is: $KILN_NATIVE_PATH, else build/Release/kiln.node above this file (as @kiln/native looks). */
export function addonFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.KILN_NATIVE_PATH) return resolve(env.KILN_NATIVE_PATH)
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'build', 'Release', 'kiln.node')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

/** The build record beside the addon, if its build wrote one. */
export function addonBuild(addon: string): AddonBuild | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dirname(addon), 'kiln-build.json'), 'utf8')) as AddonBuild
    return info.format === 'kiln-build/1' ? info : undefined
  } catch {
    return undefined
  }
}

// The CPU kernels the addon picks here, as its dispatcher does (cpu_features.cc): AVX-512
// with F/DQ/BW/VL, else AVX2 with FMA, else scalar; KILN_SIMD may lower it.
function cpuKernels(env: NodeJS.ProcessEnv): string {
  let flags: Set<string>
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? ''
    flags = new Set(line.trim().split(/\s+/))
  } catch {
    return 'unknown (no /proc/cpuinfo)'
  }
  const levels = ['scalar', 'avx2', 'avx512']
  let hw = 0
  if (flags.has('avx2') && flags.has('fma')) hw = 1
  if (hw === 1 && ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => flags.has(f))) hw = 2
  const asked = levels.indexOf((env.KILN_SIMD ?? '').toLowerCase())
  const level = asked >= 0 && asked < hw ? asked : hw
  return `${levels[level]}${level < hw ? ` (KILN_SIMD; this CPU has ${levels[hw]})` : ''}`
}

async function natsServer(env: NodeJS.ProcessEnv): Promise<{ path?: string; version?: string }> {
  const { findNatsServer } = await import('@kiln/local/nats-path')
  const path = findNatsServer(env)
  if (!path) return {}
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 2000 })
    return { path, version: /v?(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? out.trim() }
  } catch {
    return { path }
  }
}

/** The versions report, as text or (json) one JSON object. */
export async function versionReport(kiln: string, env: NodeJS.ProcessEnv, json: boolean): Promise<string> {
  const nats = await natsServer(env)
  const addon = addonFile(env)
  const build = addon ? addonBuild(addon) : undefined
  const cpu = cpuKernels(env)
  if (json) {
    return `${JSON.stringify({
      kiln,
      node: process.versions.node,
      natsServer: nats.version ?? null,
      addon: addon ? { path: addon, cpuKernels: cpu, cuda: build ? build.cuda : 'unknown' } : null,
    })}\n`
  }
  const cuda = !build
    ? 'CUDA unknown (no kiln-build.json beside it: rebuild with pnpm build:native)'
    : build.cuda
      ? `CUDA ${build.cuda} kernels`
      : 'no CUDA kernels (built without nvcc)'
  return [
    `kiln ${kiln}`,
    `node ${process.versions.node}`,
    `nats-server ${nats.version ?? (nats.path ? `at ${nats.path} (version unreadable)` : 'not found (bash scripts/setup, or set KILN_NATS_SERVER)')}`,
    `addon ${addon ? `${addon}: ${cpu} CPU kernels, ${cuda}` : 'not built (pnpm build:native)'}`,
    '',
  ].join('\n')
}
