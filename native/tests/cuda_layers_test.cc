// Pooling, convolution and TF32 GEMM CUDA kernels against the CPU kernels of the same
// names, and the device memory layer (caching allocator, out-of-memory error, copies).
// Tolerances (inputs in [-1, 1)):
//   exact              MaxPool, AvgPool and both gradients (same windows, same order)
//   1e-4 sqrt(depth)   Conv2D and both backprops (depth: the summed products per output;
//                      fp32 summation orders differ by ~eps sqrt(depth), a wrong or
//                      missing product by ~0.25)
//   1e-3 sqrt(k)       TF32 GEMM (inputs rounded to 10-bit mantissas)
// Exit 0 pass, 1 fail, 77 no CUDA device.
#include <cmath>

#include "cuda_harness.h"
#include "kiln/conv.h"
#include "kiln/cuda_kernels.h"
#include "kiln/errors.h"
#include "kiln/pool.h"
#include "kiln/sgemm.h"

using namespace kiln;
using namespace kiln::test;

namespace {

// out = floor((in + pads - filter) / stride) + 1 with TensorFlow's 'same' or 'valid' padding.
struct Axis {
  int64_t in, filter, stride, dilation;
  bool same;
  int64_t eff() const { return dilation * (filter - 1) + 1; }
  int64_t out() const { return same ? (in + stride - 1) / stride : (in - eff()) / stride + 1; }
  int64_t pad_before() const {
    if (!same) return 0;
    const int64_t total = std::max<int64_t>(0, (out() - 1) * stride + eff() - in);
    return total / 2;
  }
};

void pooling() {
  Gpu g;
  struct Case { int64_t batch, c; Axis h, w; };
  const Case cases[] = {
      {4, 32, {28, 2, 2, 1, false}, {28, 2, 2, 1, false}},
      {2, 5, {9, 3, 1, 1, true}, {7, 3, 1, 1, true}},
      {3, 70, {11, 3, 2, 1, true}, {6, 2, 2, 1, true}},
      {1, 3, {5, 5, 1, 1, false}, {8, 1, 3, 1, false}},
  };
  for (const Case& c : cases) {
    const PoolGeometry geo{c.batch, c.h.in, c.w.in, c.c, c.h.filter, c.w.filter, c.h.out(), c.w.out(),
                           c.h.stride, c.w.stride, c.h.pad_before(), c.w.pad_before()};
    const std::string where = " in " + std::to_string(c.h.in) + "x" + std::to_string(c.w.in) + " window " +
                              std::to_string(c.h.filter) + "x" + std::to_string(c.w.filter);
    auto x = uniform(size_t(geo.x_size()));
    for (size_t i = 0; i < x.size(); i += 5) x[i] = std::round(x[i] * 2);  // ties
    x[1] = std::nanf("");
    const auto dy = uniform(size_t(geo.y_size()));
    const float* dx_in = g.put(x);
    const float* ddy = g.put(dy);
    for (bool max : {true, false}) {
      std::vector<float> y(size_t(geo.y_size())), dx(size_t(geo.x_size()));
      float* gy = g.alloc<float>(y.size());
      float* gdx = g.alloc<float>(dx.size());
      if (max) {
        max_pool(geo, x.data(), y.data());
        max_pool_grad(geo, dy.data(), x.data(), dx.data());
        cuda::max_pool(g.stream(), geo, dx_in, gy);
        cuda::max_pool_grad(g.stream(), geo, ddy, dx_in, gdx);
      } else {
        avg_pool(geo, x.data(), y.data());
        avg_pool_grad(geo, dy.data(), dx.data());
        cuda::avg_pool(g.stream(), geo, dx_in, gy);
        cuda::avg_pool_grad(g.stream(), geo, ddy, gdx);
      }
      expect_near(std::string(max ? "MaxPool" : "AvgPool") + where, g.get(gy, y.size()), y, kExact);
      expect_near(std::string(max ? "MaxPoolGrad" : "AvgPoolGrad") + where, g.get(gdx, dx.size()), dx, kExact);
    }
  }
}

void convolution() {
  Gpu g;
  struct Case { int64_t batch, in_c, out_c; Axis h, w; };
  const Case cases[] = {
      {16, 1, 32, {28, 3, 1, 1, true}, {28, 3, 1, 1, true}},     // the Fashion-MNIST CNN's first layer
      {64, 32, 64, {14, 3, 1, 1, true}, {14, 3, 1, 1, true}},    // ... its second: filter gradient split along M
      {3, 5, 7, {13, 5, 2, 1, false}, {11, 3, 2, 1, true}},
      {2, 8, 6, {9, 3, 1, 2, true}, {10, 3, 1, 2, false}},       // dilation 2
      {5, 12, 9, {6, 1, 1, 1, false}, {7, 1, 1, 1, false}},      // 1x1: no im2col
      {2, 4, 3, {7, 2, 3, 1, true}, {9, 4, 2, 1, true}},
  };
  for (const Case& c : cases) {
    const ConvGeometry geo{c.batch, c.h.in, c.w.in, c.in_c, c.h.filter, c.w.filter, c.out_c, c.h.out(), c.w.out(),
                           c.h.stride, c.w.stride, c.h.pad_before(), c.w.pad_before(), c.h.dilation, c.w.dilation};
    const std::string where = " batch " + std::to_string(c.batch) + " " + std::to_string(c.h.in) + "x" +
                              std::to_string(c.w.in) + "x" + std::to_string(c.in_c) + " filter " +
                              std::to_string(c.h.filter) + "x" + std::to_string(c.w.filter) + "x" + std::to_string(c.out_c);
    const auto x = uniform(size_t(geo.x_size())), w = uniform(size_t(geo.filter_size()));
    const auto dy = uniform(size_t(geo.y_size()));
    const float *gx = g.put(x), *gw = g.put(w), *gdy = g.put(dy);
    std::vector<float> y(size_t(geo.y_size())), dx(size_t(geo.x_size())), dw(size_t(geo.filter_size()));
    conv2d(geo, x.data(), w.data(), y.data());
    conv2d_backprop_input(geo, dy.data(), w.data(), dx.data());
    conv2d_backprop_filter(geo, x.data(), dy.data(), dw.data());
    float* oy = g.alloc<float>(y.size());
    float* odx = g.alloc<float>(dx.size());
    float* odw = g.alloc<float>(dw.size());
    cuda::conv2d(g.stream(), geo, gx, gw, oy);
    cuda::conv2d_backprop_input(g.stream(), geo, gdy, gw, odx);
    cuda::conv2d_backprop_filter(g.stream(), geo, gx, gdy, odw);
    const double k = double(geo.filter_h * geo.filter_w);
    const double m = double(geo.batch * geo.out_h * geo.out_w);
    expect_near("Conv2D" + where, g.get(oy, y.size()), y, Tol{1e-4 * std::sqrt(k * double(c.in_c)), 0, 0});
    expect_near("Conv2DBackpropInput" + where, g.get(odx, dx.size()), dx, Tol{1e-4 * std::sqrt(k * double(c.out_c)), 0, 0});
    expect_near("Conv2DBackpropFilter" + where, g.get(odw, dw.size()), dw, Tol{1e-4 * std::sqrt(m), 0, 0});
  }
}

void tf32_gemm() {
  Gpu g;
  cuda::set_tf32(true);
  struct Case { int64_t m, n, k; bool ta, tb; int64_t batch; float beta; };
  const Case cases[] = {{128, 128, 32, false, false, 1, 0.0f}, {257, 129, 67, false, true, 1, 0.5f},
                        {100, 300, 256, true, false, 2, 0.0f}, {64, 72, 1000, true, true, 1, 1.0f},
                        {1024, 1024, 1024, false, false, 1, 0.0f}, {5, 7, 9, false, false, 1, 0.0f}};
  for (const Case& c : cases) {
    GemmShape s;
    s.trans_a = c.ta, s.trans_b = c.tb, s.m = c.m, s.n = c.n, s.k = c.k;
    s.lda = c.ta ? c.m : c.k, s.ldb = c.tb ? c.k : c.n, s.ldc = c.n;
    const auto a = uniform(size_t(c.batch * c.m * c.k)), b = uniform(size_t(c.batch * c.k * c.n));
    const auto c0 = uniform(size_t(c.batch * c.m * c.n));
    std::vector<float> cpu = c0;
    sgemm_batched(s, c.batch, 1.0f, a.data(), c.m * c.k, b.data(), c.k * c.n, c.beta, cpu.data(), c.m * c.n);
    float* dc = g.put(c0);
    cuda::sgemm(g.stream(), s, c.batch, 1.0f, g.put(a), c.m * c.k, g.put(b), c.k * c.n, c.beta, dc, c.m * c.n);
    expect_near("tf32 sgemm " + std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) +
                    (c.ta ? " tA" : "") + (c.tb ? " tB" : ""),
                g.get(dc, cpu.size()), cpu, Tol{1e-3 * std::sqrt(double(c.k)) + 1e-5, 0, 0});
  }
  cuda::set_tf32(false);
}

void memory() {
  Gpu g;
  const cuda::MemoryStats before = cuda::memory_stats(0);
  void* p = cuda::device_alloc(g.stream(), 3000, "test");
  cuda::device_free(p);
  void* q = cuda::device_alloc(g.stream(), 2900, "test");  // same 512-byte class: from the cache
  const cuda::MemoryStats after = cuda::memory_stats(0);
  ++stats().cases;
  if (q != p || after.cache_hits != before.cache_hits + 1 || cuda::device_size(q) != 2900) {
    ++stats().failed;
    std::printf("FAIL allocator: a freed block of the same class was not reused (hits %lld -> %lld)\n",
                (long long)before.cache_hits, (long long)after.cache_hits);
  }
  cuda::device_free(q);
  ++stats().cases;
  try {
    cuda::device_alloc(g.stream(), size_t(1) << 50, "test");
    ++stats().failed;
    std::printf("FAIL allocator: a 1 PiB allocation succeeded\n");
  } catch (const NativeError& e) {
    if (e.code != "OUT_OF_MEMORY" || e.device != "cuda:0") {
      ++stats().failed;
      std::printf("FAIL allocator: 1 PiB gave %s on %s, expected OUT_OF_MEMORY on cuda:0\n", e.code.c_str(), e.device.c_str());
    }
  }
  cuda::empty_cache(0);
  ++stats().cases;
  if (cuda::memory_stats(0).cached_blocks != 0) {
    ++stats().failed;
    std::printf("FAIL emptyCache left cached blocks\n");
  }
  // Pinned asynchronous download and 2-D device copies.
  const auto host = uniform(4096);
  float* d = g.put(host);
  std::vector<float> back(host.size());
  cuda::download_end(cuda::download_begin(g.stream(), d, host.size() * 4, "test"), back.data());
  expect_near("download_begin/end", back, host, kExact);
  float* rows = g.alloc<float>(64 * 16);
  cuda::copy_rows(g.stream(), rows, 16 * 4, d + 3, 64 * 4, 10 * 4, 16);
  const auto got = g.get(rows, 64 * 16);
  std::vector<float> want(10 * 16), have(10 * 16);
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 10; ++c) want[r * 10 + c] = host[3 + r * 64 + c], have[r * 10 + c] = got[r * 16 + c];
  expect_near("copy_rows", have, want, kExact);
}

}  // namespace

int main() {
  return run_all("cuda layers", [] {
    group("pooling", pooling);
    group("convolution", convolution);
    group("tf32 gemm", tf32_gemm);
    group("memory", memory);
  });
}
