// Row-major SGEMM on the GPU, same contract as kiln::sgemm_batched.
// Each 256-thread block computes a 128 x 128 tile of C, stepping through k 8 at a time:
// the next 128 x 8 slices of op(A) and op(B) are fetched into registers while the
// current ones are multiplied out of shared memory (double buffer, one barrier per
// step), and every thread accumulates an 8 x 8 micro-tile in registers. Shared tiles
// are k-major so a thread reads its 8 rows and 8 columns as float4s; the +4 padding
// keeps the transposing stores free of bank conflicts. Loads are float4 when the
// layout allows (template flag) and the 4 elements are in bounds; edge tiles fall
// back to bounds-checked scalar loads and zero-fill, so any size works.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "cuda_check.h"
#include "sgemm_internal.h"
#include "kiln/cuda.h"
#include "kiln/errors.h"

namespace kiln::cuda {
namespace {

constexpr const char* kOp = "MatMul";
constexpr int kTile = 128;  // BM == BN
constexpr int kBk = 8;
constexpr int kLd = kTile + 4;
constexpr int kThreads = 256;
constexpr unsigned kMaxGridYZ = 65535;  // grid y/z limit: larger m or batch loop in the kernel

struct Params {
  int m, n, k;
  int64_t lda, ldb, ldc;
  int64_t stride_a, stride_b, stride_c, batch;
  float alpha, beta;
  const float* a;
  const float* b;
  float* c;
  bool vec_c;
};

// This thread's 4 elements of a 128 (m or n) x 8 (k) slice of op(X), into registers.
// KContig: X is stored [mn][k] (A as is, B transposed); else [k][mn].
template <bool KContig, bool Vec>
__device__ __forceinline__ void load_tile(const float* __restrict__ x, int64_t ld, int mn_lim, int k_lim, int mn0,
                                          int k0, float (&r)[4]) {
  const int t = threadIdx.x;
  const int outer = KContig ? mn0 + (t >> 1) : k0 + (t >> 5);
  const int inner = KContig ? k0 + (t & 1) * 4 : mn0 + (t & 31) * 4;
  const int outer_lim = KContig ? mn_lim : k_lim, inner_lim = KContig ? k_lim : mn_lim;
  r[0] = r[1] = r[2] = r[3] = 0.0f;
  if (outer >= outer_lim) return;
  const float* row = x + outer * ld;
  if (Vec && inner + 3 < inner_lim) {
    const float4 v = __ldg(reinterpret_cast<const float4*>(row + inner));
    r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
    return;
  }
#pragma unroll
  for (int q = 0; q < 4; ++q)
    if (inner + q < inner_lim) r[q] = __ldg(row + inner + q);
}

template <bool KContig>
__device__ __forceinline__ void store_tile(float (*s)[kLd], const float (&r)[4]) {
  const int t = threadIdx.x;
  if (KContig) {
    const int o = t >> 1, c = (t & 1) * 4;
#pragma unroll
    for (int q = 0; q < 4; ++q) s[c + q][o] = r[q];
  } else {
    *reinterpret_cast<float4*>(&s[t >> 5][(t & 31) * 4]) = make_float4(r[0], r[1], r[2], r[3]);
  }
}

// C[row, col..col+3] = alpha * acc + beta * C, only where col + q < n.
__device__ __forceinline__ void store_c(const Params& p, float* crow, int col, const float* acc) {
  if (p.vec_c && col + 3 < p.n) {
    float4* dst = reinterpret_cast<float4*>(crow + col);
    float4 v = make_float4(p.alpha * acc[0], p.alpha * acc[1], p.alpha * acc[2], p.alpha * acc[3]);
    if (p.beta != 0.0f) {
      const float4 o = *dst;
      v.x = fmaf(p.beta, o.x, v.x), v.y = fmaf(p.beta, o.y, v.y);
      v.z = fmaf(p.beta, o.z, v.z), v.w = fmaf(p.beta, o.w, v.w);
    }
    *dst = v;
    return;
  }
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    if (col + q >= p.n) break;
    float v = p.alpha * acc[q];
    if (p.beta != 0.0f) v = fmaf(p.beta, crow[col + q], v);
    crow[col + q] = v;
  }
}

template <bool TA, bool TB, bool VecA, bool VecB>
__global__ void __launch_bounds__(kThreads, 2) sgemm_kernel(const Params p) {
  __shared__ __align__(16) float as[2][kBk][kLd];
  __shared__ __align__(16) float bs[2][kBk][kLd];
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  const int n0 = blockIdx.x * kTile;
  const int k_tiles = (p.k + kBk - 1) / kBk;

  for (int64_t z = blockIdx.z; z < p.batch; z += gridDim.z) {
    const float* a = p.a + z * p.stride_a;
    const float* b = p.b + z * p.stride_b;
    float* c = p.c + z * p.stride_c;
    for (int m0 = blockIdx.y * kTile; m0 < p.m; m0 += gridDim.y * kTile) {
      float acc[8][8];
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;

      float ra[4], rb[4];
      load_tile<!TA, VecA>(a, p.lda, p.m, p.k, m0, 0, ra);
      load_tile<TB, VecB>(b, p.ldb, p.n, p.k, n0, 0, rb);
      __syncthreads();  // the previous tile's last reads of buffer 0 are done
      store_tile<!TA>(as[0], ra);
      store_tile<TB>(bs[0], rb);
      __syncthreads();

      for (int t = 0; t < k_tiles; ++t) {
        const int cur = t & 1;
        const bool more = t + 1 < k_tiles;
        if (more) {
          load_tile<!TA, VecA>(a, p.lda, p.m, p.k, m0, (t + 1) * kBk, ra);
          load_tile<TB, VecB>(b, p.ldb, p.n, p.k, n0, (t + 1) * kBk, rb);
        }
#pragma unroll
        for (int kk = 0; kk < kBk; ++kk) {
          const float4 a0 = *reinterpret_cast<const float4*>(&as[cur][kk][ty * 4]);
          const float4 a1 = *reinterpret_cast<const float4*>(&as[cur][kk][64 + ty * 4]);
          const float4 b0 = *reinterpret_cast<const float4*>(&bs[cur][kk][tx * 4]);
          const float4 b1 = *reinterpret_cast<const float4*>(&bs[cur][kk][64 + tx * 4]);
          const float af[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
          const float bf[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
          for (int i = 0; i < 8; ++i)
#pragma unroll
            for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(af[i], bf[j], acc[i][j]);
        }
        if (more) {  // the other buffer's readers finished at the previous barrier
          store_tile<!TA>(as[cur ^ 1], ra);
          store_tile<TB>(bs[cur ^ 1], rb);
        }
        __syncthreads();
      }

#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int row = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
        if (row >= p.m) continue;
        float* crow = c + row * p.ldc;
        store_c(p, crow, n0 + tx * 4, &acc[i][0]);
        store_c(p, crow, n0 + 64 + tx * 4, &acc[i][4]);
      }
    }
  }
}

// C = beta * C where op(A) op(B) contributes nothing (k == 0 or alpha == 0); like the
// CPU kernel it never reads A or B then, and beta == 0 writes zeros without reading C.
__global__ void scale_kernel(const Params p) {
  const int64_t total = p.batch * p.m * p.n;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t z = i / (int64_t(p.m) * p.n), rc = i % (int64_t(p.m) * p.n);
    float* dst = p.c + z * p.stride_c + (rc / p.n) * p.ldc + rc % p.n;
    *dst = p.beta == 0.0f ? 0.0f : p.beta * *dst;
  }
}

template <bool TA, bool TB>
void launch_gemm(const Params& p, bool vec_a, bool vec_b, dim3 grid, cudaStream_t stream) {
  if (vec_a && vec_b) sgemm_kernel<TA, TB, true, true><<<grid, kThreads, 0, stream>>>(p);
  else if (vec_a) sgemm_kernel<TA, TB, true, false><<<grid, kThreads, 0, stream>>>(p);
  else if (vec_b) sgemm_kernel<TA, TB, false, true><<<grid, kThreads, 0, stream>>>(p);
  else sgemm_kernel<TA, TB, false, false><<<grid, kThreads, 0, stream>>>(p);
}

bool aligned16(const void* ptr) { return (reinterpret_cast<uintptr_t>(ptr) & 15) == 0; }

// float4 access needs 16-byte alignment of every row start of every batch entry.
bool vectorizable(const void* ptr, int64_t ld, int64_t stride) {
  return aligned16(ptr) && ld % 4 == 0 && stride % 4 == 0;
}

}  // namespace

namespace detail {

void check_gemm_args(const GemmShape& s, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c,
                     float alpha, const float* a, const float* b, const float* c) {
  if (s.m < 0 || s.n < 0 || s.k < 0 || batch < 0 || stride_a < 0 || stride_b < 0 || stride_c < 0)
    throw ShapeError("sgemm on cuda: m, n, k, batch and strides must be >= 0");
  if (s.m > kMaxGemmDim || s.n > kMaxGemmDim || s.k > kMaxGemmDim)
    throw ShapeError("sgemm on cuda: m, n and k must be at most 2^30");
  const int64_t a_cols = s.trans_a ? s.m : s.k, b_cols = s.trans_b ? s.k : s.n;
  if (s.lda < a_cols || s.ldb < b_cols || s.ldc < s.n) throw ShapeError("sgemm on cuda: leading dimension too small");
  const bool writes_c = batch > 0 && s.m > 0 && s.n > 0;
  // Entries of C written concurrently must not share elements (A and B may: broadcast).
  if (writes_c && batch > 1 && stride_c < (s.m - 1) * s.ldc + s.n)
    throw ShapeError("sgemm on cuda: batch entries of c overlap (stride_c too small)");
  if (writes_c && (c == nullptr || (s.k > 0 && alpha != 0.0f && (a == nullptr || b == nullptr))))
    throw ArgumentError("sgemm on cuda: null pointer");
}

}  // namespace detail

void sgemm_device(int device, const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                  const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c, void* stream) {
  detail::check_gemm_args(s, batch, stride_a, stride_b, stride_c, alpha, a, b, c);
  require_device(device, kOp);
  if (batch == 0 || s.m == 0 || s.n == 0) return;
  if ((s.k == 0 || alpha == 0.0f) && beta == 1.0f) return;
  detail::DeviceScope scope(device, kOp);
  cudaStream_t st = stream != nullptr ? static_cast<cudaStream_t>(stream) : cudaStreamPerThread;

  Params p{};
  p.m = static_cast<int>(s.m), p.n = static_cast<int>(s.n), p.k = static_cast<int>(s.k);
  p.lda = s.lda, p.ldb = s.ldb, p.ldc = s.ldc;
  p.stride_a = stride_a, p.stride_b = stride_b, p.stride_c = stride_c, p.batch = batch;
  p.alpha = alpha, p.beta = beta;
  p.a = a, p.b = b, p.c = c;
  const bool batched = batch > 1;  // one entry: its batch stride never applies
  p.vec_c = vectorizable(c, s.ldc, batched ? stride_c : 0);

  if (s.k == 0 || alpha == 0.0f) {
    const int64_t total = batch * s.m * s.n;
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((total + 255) / 256, 4096));
    scale_kernel<<<blocks, 256, 0, st>>>(p);
  } else {
    const dim3 grid(static_cast<unsigned>((s.n + kTile - 1) / kTile),
                    static_cast<unsigned>(std::min<int64_t>((s.m + kTile - 1) / kTile, kMaxGridYZ)),
                    static_cast<unsigned>(std::min<int64_t>(batch, kMaxGridYZ)));
    const bool va = vectorizable(a, s.lda, batched ? stride_a : 0), vb = vectorizable(b, s.ldb, batched ? stride_b : 0);
    if (!s.trans_a && !s.trans_b) launch_gemm<false, false>(p, va, vb, grid, st);
    else if (!s.trans_a) launch_gemm<false, true>(p, va, vb, grid, st);
    else if (!s.trans_b) launch_gemm<true, false>(p, va, vb, grid, st);
    else launch_gemm<true, true>(p, va, vb, grid, st);
  }
  detail::check(cudaGetLastError(), kOp, device, "kernel launch");
}

}  // namespace kiln::cuda
