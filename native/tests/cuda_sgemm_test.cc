// CUDA sgemm against the CPU kiln::sgemm_batched on random inputs: odd and unit sizes
// (edge tiles), every transpose, broadcast batches, alpha/beta, padded leading
// dimensions (scalar-load paths) and device pointers off 16-byte alignment.
// Exit 0: pass; 1: fail; 77: no CUDA device (ctest SKIP_RETURN_CODE).
//
// Tolerance: |gpu - cpu| <= 1e-4 * sqrt(k) * |alpha| + 1e-5 * |beta| + 1e-6 per element
// (inputs in [-1, 1)). Two fp32 summation orders differ by about eps * sqrt(k) * |sum|
// (~2e-5 at k = 1024), while one dropped or repeated product moves a result by ~0.25.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kiln/cuda.h"
#include "kiln/sgemm.h"

namespace {

struct Case {
  int64_t m, n, k;
  bool ta = false, tb = false;
  int64_t batch = 1;
  bool bcast_a = false, bcast_b = false;
  float alpha = 1.0f, beta = 0.0f;
  int64_t pad = 0;  // extra elements per row (leading dimension) and per batch entry
};

std::mt19937 rng(12345);
constexpr float kSentinel = 12345.0f;

std::vector<float> random_vec(size_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::string describe(const Case& c) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "m=%lld n=%lld k=%lld ta=%d tb=%d batch=%lld bcast=%d%d alpha=%g beta=%g pad=%lld",
                (long long)c.m, (long long)c.n, (long long)c.k, c.ta, c.tb, (long long)c.batch, c.bcast_a, c.bcast_b,
                c.alpha, c.beta, (long long)c.pad);
  return buf;
}

// Runs one case through sgemm_host (or, with `offset`, sgemm_device on pointers moved
// `offset` floats past a cudaMalloc'd base); returns the number of bad elements.
int64_t run_case(const Case& c, int offset = -1) {
  kiln::GemmShape s;
  s.trans_a = c.ta, s.trans_b = c.tb, s.m = c.m, s.n = c.n, s.k = c.k;
  const int64_t a_rows = c.ta ? c.k : c.m, a_cols = c.ta ? c.m : c.k;
  const int64_t b_rows = c.tb ? c.n : c.k, b_cols = c.tb ? c.k : c.n;
  s.lda = a_cols + c.pad, s.ldb = b_cols + c.pad, s.ldc = c.n + c.pad;
  const int64_t sa = c.bcast_a ? 0 : a_rows * s.lda + c.pad, sb = c.bcast_b ? 0 : b_rows * s.ldb + c.pad;
  const int64_t sc = c.m * s.ldc + c.pad;
  const int64_t na = (c.bcast_a ? 1 : c.batch) * (a_rows * s.lda + c.pad);
  const int64_t nb = (c.bcast_b ? 1 : c.batch) * (b_rows * s.ldb + c.pad);
  const int64_t nc = c.batch * sc;
  std::vector<float> a = random_vec(na), b = random_vec(nb), c_init = random_vec(nc);
  // Padding must survive; with beta == 0, NaN entries must not leak into the result.
  for (int64_t z = 0; z < c.batch; ++z)
    for (int64_t i = 0; i < sc; ++i) {
      const bool inside = i < c.m * s.ldc && i % s.ldc < c.n;
      if (!inside) c_init[z * sc + i] = kSentinel;
      else if (c.beta == 0.0f) c_init[z * sc + i] = std::numeric_limits<float>::quiet_NaN();
    }
  std::vector<float> cpu = c_init, gpu = c_init;
  kiln::sgemm_batched(s, c.batch, c.alpha, a.data(), sa, b.data(), sb, c.beta, cpu.data(), sc);

  if (offset < 0) {
    kiln::cuda::sgemm_host(0, s, c.batch, c.alpha, a.data(), sa, b.data(), sb, c.beta, gpu.data(), sc);
  } else {
    float *da = nullptr, *db = nullptr, *dc = nullptr;
    auto ok = [](cudaError_t e) {
      if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA: ") + cudaGetErrorString(e));
    };
    ok(cudaMalloc(&da, (na + offset) * sizeof(float)));
    ok(cudaMalloc(&db, (nb + offset) * sizeof(float)));
    ok(cudaMalloc(&dc, (nc + offset) * sizeof(float)));
    ok(cudaMemcpy(da + offset, a.data(), na * sizeof(float), cudaMemcpyHostToDevice));
    ok(cudaMemcpy(db + offset, b.data(), nb * sizeof(float), cudaMemcpyHostToDevice));
    ok(cudaMemcpy(dc + offset, gpu.data(), nc * sizeof(float), cudaMemcpyHostToDevice));
    kiln::cuda::sgemm_device(0, s, c.batch, c.alpha, da + offset, sa, db + offset, sb, c.beta, dc + offset, sc,
                             nullptr);
    ok(cudaStreamSynchronize(cudaStreamPerThread));
    ok(cudaMemcpy(gpu.data(), dc + offset, nc * sizeof(float), cudaMemcpyDeviceToHost));
    cudaFree(da), cudaFree(db), cudaFree(dc);
  }

  const double tol = 1e-4 * std::sqrt(double(std::max<int64_t>(c.k, 1))) * std::fabs(c.alpha) +
                     1e-5 * std::fabs(c.beta) + 1e-6;
  int64_t bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < nc; ++i) {
    const double err = std::fabs(double(gpu[i]) - double(cpu[i]));
    if (!(err <= tol)) {  // NaN counts as bad
      if (bad < 3)
        std::printf("  at %lld: gpu %.7g cpu %.7g (tol %.3g)\n", (long long)i, gpu[i], cpu[i], tol);
      ++bad;
    }
    if (err > worst) worst = err;
  }
  if (bad) std::printf("FAIL %s%s: %lld bad, worst %.3g\n", describe(c).c_str(),
                       offset >= 0 ? (" device offset " + std::to_string(offset)).c_str() : "", (long long)bad, worst);
  return bad;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const int64_t shapes[][3] = {{1, 1, 1},     {7, 7, 7},       {1, 257, 33},    {33, 1, 257},  {257, 33, 7},
                               {128, 128, 8}, {129, 127, 9},   {33, 257, 1024}, {1000, 3, 65}, {3, 1000, 65},
                               {64, 200, 0},  {1024, 1024, 1024}};
  for (const auto& sh : shapes)
    for (int t = 0; t < 4; ++t) out.push_back({sh[0], sh[1], sh[2], (t & 1) != 0, (t & 2) != 0});
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    out.push_back({37, 45, 29, ta, tb, 3, false, false, 0.5f, -1.5f});
    out.push_back({37, 45, 29, ta, tb, 3, true, false, 1.0f, 0.0f});
    out.push_back({37, 45, 29, ta, tb, 3, false, true, 2.0f, 1.0f});
    out.push_back({130, 70, 17, ta, tb, 2, false, false, 1.0f, 0.25f, 3});  // odd ld: scalar loads
    out.push_back({64, 64, 64, ta, tb, 1, false, false, 0.0f, 2.0f});       // alpha 0: C scaled only
    out.push_back({35, 39, 31, ta, tb, 1, false, false, 1.0f, 0.0f, 1});     // float4 rows, ragged ends
  }
  return out;
}

}  // namespace

int main() {
  if (kiln::cuda::device_count() == 0) {
    std::printf("skipped: no CUDA device (%s)\n", kiln::cuda::unavailable_reason().c_str());
    return 77;
  }
  try {
    const kiln::cuda::DeviceInfo info = kiln::cuda::device_info(0);
    std::printf("cuda:0 %s (sm_%d%d)\n", info.name.c_str(), info.major, info.minor);
    int failed = 0, total = 0;
    for (const Case& c : cases()) {
      ++total;
      if (run_case(c)) ++failed;
    }
    // Every leading dimension and stride a multiple of 4: offset 0 takes the float4
    // paths, offsets 1 and 2 must notice the misalignment and fall back.
    for (int offset : {0, 1, 2}) {
      for (int t = 0; t < 4; ++t) {
        ++total;
        if (run_case({132, 68, 44, (t & 1) != 0, (t & 2) != 0, 2, false, false, 1.0f, 0.5f}, offset)) ++failed;
      }
    }
    std::printf("cuda sgemm: %d passed, %d failed\n", total - failed, failed);
    return failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
