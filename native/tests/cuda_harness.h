// Shared by the CUDA kernel tests: device copies of host vectors on one kiln stream,
// seeded random inputs (with the special values kernels get wrong: NaN, +-Inf, +-0,
// subnormals, ties), and element-by-element comparison against the CPU kernel's output
// that prints the worst offender. Tests print "FAIL ..." lines and return counts; main()
// exits 0 (pass), 1 (fail) or 77 (no CUDA device: ctest reports the test as skipped).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kiln/cuda.h"
#include "kiln/cuda_device.h"

namespace kiln::test {

inline std::mt19937& rng() {
  static std::mt19937 r(20240601);
  return r;
}

inline std::vector<float> uniform(size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng());
  return v;
}

inline std::vector<int32_t> ints(size_t n, int32_t lo, int32_t hi) {
  std::uniform_int_distribution<int32_t> d(lo, hi - 1);
  std::vector<int32_t> v(n);
  for (auto& x : v) x = d(rng());
  return v;
}

/// Uniform values with special ones sprinkled in every `every` elements.
inline std::vector<float> with_specials(std::vector<float> v, size_t every = 7) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::nanf(""), inf, -inf, 0.0f, -0.0f, 1e-40f, -1e-40f, -0.5f, 0.5f, 1.0f, -1.0f, 2.5f};
  size_t k = 0;
  for (size_t i = 3; i < v.size(); i += every) v[i] = specials[k++ % (sizeof specials / sizeof specials[0])];
  return v;
}

/// One stream and the device buffers of one test, freed at the end.
class Gpu {
 public:
  Gpu() : s_(cuda::stream_create(0)) {}
  ~Gpu() {
    for (void* p : owned_) cuda::device_free(p);
    cuda::stream_destroy(s_);
  }
  Gpu(const Gpu&) = delete;
  Gpu& operator=(const Gpu&) = delete;
  cuda::Stream* stream() const { return s_; }

  template <class T>
  T* put(const std::vector<T>& host) {
    T* d = alloc<T>(host.size());
    cuda::upload(s_, d, host.data(), host.size() * sizeof(T));
    return d;
  }
  /// n elements of garbage (a NaN pattern), so a kernel that skips an output shows.
  template <class T>
  T* alloc(size_t n) {
    void* p = cuda::device_alloc(s_, n * sizeof(T) + 1, "test");
    owned_.push_back(p);
    std::vector<uint8_t> junk(n * sizeof(T), 0xff);
    cuda::upload(s_, p, junk.data(), junk.size());
    return static_cast<T*>(p);
  }
  template <class T>
  std::vector<T> get(const T* d, size_t n) {
    std::vector<T> host(n);
    cuda::download(s_, host.data(), d, n * sizeof(T));
    return host;
  }

 private:
  cuda::Stream* s_;
  std::vector<void*> owned_;
};

/// |gpu - cpu| <= atol + rtol * |cpu| + ulps * ulp(cpu); NaN must meet NaN, infinities match.
struct Tol {
  double atol = 0, rtol = 0, ulps = 0;
};
constexpr Tol kExact{};

inline double ulp_of(double v) {
  const float f = std::fabs(static_cast<float>(v));
  if (!std::isfinite(f)) return 0.0;
  return double(std::nextafter(f, std::numeric_limits<float>::infinity())) - double(f);
}

struct Stats {
  int cases = 0, failed = 0;
};

inline Stats& stats() {
  static Stats s;
  return s;
}

/// Compares one output; `extra_tol` (optional) adds a per-element allowance.
template <class T>
bool expect_near(const std::string& what, const std::vector<T>& gpu, const std::vector<T>& cpu, Tol tol,
                 const std::function<double(size_t)>& extra_tol = nullptr) {
  ++stats().cases;
  size_t bad = 0, worst_i = 0;
  double worst = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    const double g = double(gpu[i]), c = double(cpu[i]);
    double excess;
    if (std::isnan(c) || std::isnan(g)) excess = std::isnan(c) && std::isnan(g) ? 0 : 1e300;
    else if (std::isinf(c) || std::isinf(g)) excess = c == g ? 0 : 1e300;
    else {
      const double allowed = tol.atol + tol.rtol * std::fabs(c) + tol.ulps * ulp_of(c) + (extra_tol ? extra_tol(i) : 0);
      const double diff = std::fabs(g - c);
      // Signed zeros count as different only under exact comparison.
      const bool zero_sign = diff == 0 && allowed == 0 && std::signbit(g) != std::signbit(c);
      excess = zero_sign ? 1e300 : (diff == 0 ? 0 : (allowed == 0 ? 1e300 : diff / allowed));
    }
    if (excess > 1) ++bad;
    if (excess > worst) worst = excess, worst_i = i;
  }
  if (gpu.size() != cpu.size()) bad = cpu.size() + 1;
  if (bad == 0) return true;
  ++stats().failed;
  std::printf("FAIL %s: %zu of %zu elements off; worst at %zu: gpu %.9g cpu %.9g\n", what.c_str(), bad, cpu.size(),
              worst_i, worst_i < gpu.size() ? double(gpu[worst_i]) : 0.0, double(cpu[worst_i]));
  return false;
}

/// Runs one group of cases; an exception counts as one failure and the run goes on.
inline void group(const char* name, const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    ++stats().cases;
    ++stats().failed;
    std::printf("FAIL %s: threw %s\n", name, e.what());
  }
}

/// The common main(): skip without a device, run the groups, print the tally.
inline int run_all(const char* suite, const std::function<void()>& groups) {
  if (cuda::device_count() == 0) {
    std::printf("skipped: no CUDA device (%s)\n", cuda::unavailable_reason().c_str());
    return 77;
  }
  const cuda::DeviceInfo info = cuda::device_info(0);
  std::printf("cuda:0 %s (sm_%d%d)\n", info.name.c_str(), info.major, info.minor);
  groups();
  std::printf("%s: %d passed, %d failed\n", suite, stats().cases - stats().failed, stats().failed);
  return stats().failed ? 1 : 0;
}

}  // namespace kiln::test
