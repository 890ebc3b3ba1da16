// Truncated normal kernels for the Parzen estimators: log densities, log bin masses for
// discrete dimensions, and sampling, all stable far into the tails.
import type { Rng } from '@kiln/protocol'

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/** erfc(x) with a relative error below 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes 6.2). */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  const r = t * Math.exp(poly)
  return x >= 0 ? r : 2 - r
}

/** P(a < Z < b) for a standard normal Z, computed on the side of the tail to keep precision. */
export function normalMass(a: number, b: number): number {
  const r = Math.SQRT1_2
  if (a >= 0) return 0.5 * (erfc(a * r) - erfc(b * r))
  if (b <= 0) return 0.5 * (erfc(-b * r) - erfc(-a * r))
  return 1 - 0.5 * (erfc(-a * r) + erfc(b * r))
}

/** A normal kernel N(mu, sigma) truncated to [low, high]. */
export interface Kernel {
  mu: number
  sigma: number
}

/** log density of the truncated kernel at x. */
export function logDensity(k: Kernel, low: number, high: number, x: number): number {
  const z = (x - k.mu) / k.sigma
  const norm = normalMass((low - k.mu) / k.sigma, (high - k.mu) / k.sigma)
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(k.sigma) - Math.log(norm)
}

/** log of the truncated kernel's mass on [a, b] (a discrete value's bin). */
export function logBinMass(k: Kernel, low: number, high: number, a: number, b: number): number {
  const lo = Math.max(a, low)
  const hi = Math.min(b, high)
  const mass = normalMass((lo - k.mu) / k.sigma, (hi - k.mu) / k.sigma)
  const norm = normalMass((low - k.mu) / k.sigma, (high - k.mu) / k.sigma)
  // Far in the tail the mass underflows; the density at the centre times the width is then
  // accurate to many digits and keeps the log finite.
  if (mass > 1e-250) return Math.log(mass) - Math.log(norm)
  return logDensity(k, low, high, (lo + hi) / 2) + Math.log(hi - lo)
}

/** One draw from the truncated kernel (rejection: at least a third of the mass is inside). */
export function sampleKernel(k: Kernel, low: number, high: number, rng: Rng): number {
  for (let i = 0; i < 64; i++) {
    const x = k.mu + k.sigma * rng.normal()
    if (x >= low && x <= high) return x
  }
  return Math.min(high, Math.max(low, k.mu))
}

/** log(sum(exp(xs))) without overflow. */
export function logSumExp(xs: readonly number[]): number {
  let max = -Infinity
  for (const x of xs) if (x > max) max = x
  if (max === -Infinity) return -Infinity
  let sum = 0
  for (const x of xs) sum += Math.exp(x - max)
  return max + Math.log(sum)
}
