// One JSON line describing the loaded addon and the CUDA device(s): which addon file was
// loaded, whether it was compiled with CUDA, how many devices it sees and why not, the
// CPU SIMD level, and device 0's properties. Bundled by scripts/gpu-pack, run by
// scripts/gpu-check; exits 1 only if the addon cannot be loaded at all.
import { addonPath, cudaDeviceInfo, cudaInfo, deviceCount, detectedSimd, simd } from '@kiln/native'

const info = cudaInfo()
const out: Record<string, unknown> = {
  addonPath: addonPath(),
  node: process.version,
  compiled: info.compiled,
  devices: deviceCount(),
  reason: info.reason,
  simd: simd(),
  detectedSimd: detectedSimd(),
}
if (deviceCount() > 0) {
  try {
    out.device0 = cudaDeviceInfo(0)
  } catch (err) {
    out.device0Error = String(err)
  }
}
console.log(JSON.stringify(out))
