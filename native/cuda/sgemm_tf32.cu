// The opt-in TF32 tensor-core SGEMM (KILN_TF32=1 or set_tf32, like PyTorch's
// allow_tf32): inputs are rounded to TF32 (10-bit mantissa) and multiplied on tensor
// cores with fp32 accumulation. Same contract as sgemm_device.
//
// 256-thread blocks compute 128 x 128 tiles of C, 32 deep per step, in a 3-stage
// cp.async pipeline (the next two tiles stream into shared memory while the current one
// is multiplied). Eight warps (2 x 4) each own a 64 x 32 sub-tile: 4 x 2 WMMA
// m16n16k8 accumulators. Shared tiles keep the global layout (row- or column-major
// fragments as the transposes require), so loads are straight 16-byte copies; rows past
// the matrix edge are zero-filled by cp.async's src-size operand. The epilogue goes
// through a per-warp 16 x 16 staging tile for alpha, beta and the edge checks.
// Needs 16-byte aligned rows (leading dimensions and batch strides multiples of 4);
// other calls use the fp32 kernel.
#include <cuda_runtime.h>
#include <mma.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "cuda_check.h"
#include "kiln/cuda.h"
#include "kiln/cuda_kernels.h"
#include "launch.h"
#include "sgemm_internal.h"

namespace kiln::cuda {
namespace {

using namespace nvcuda;

constexpr int kBm = 128, kBn = 128, kBk = 32, kStages = 3, kPad = 4;
constexpr int kThreadsTc = 256;
constexpr int kTileFloats = 128 * (32 + kPad) > 32 * (128 + kPad) ? 128 * (32 + kPad) : 32 * (128 + kPad);
constexpr int kSmemBytes = kStages * 2 * kTileFloats * 4;
constexpr unsigned kMaxGrid = 65535;

struct Args {
  int m, n, k;
  int64_t lda, ldb, ldc, stride_a, stride_b, stride_c, batch;
  float alpha, beta;
  const float* a;
  const float* b;
  float* c;
};

__device__ __forceinline__ void cp_async16(float* smem, const float* gmem, int src_bytes) {
  const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

// Queues the copy of a Rows x Cols tile of a row-major matrix (leading dimension ld),
// from (r0, c0), into smem laid out [Rows][Cols + kPad]; out-of-range parts become 0.
template <int Rows, int Cols>
__device__ __forceinline__ void load_tile(float* smem, const float* g, int64_t ld, int r0, int c0, int rlim, int clim) {
  constexpr int kVecs = Cols / 4;
  for (int f = threadIdx.x; f < Rows * kVecs; f += kThreadsTc) {
    const int r = f / kVecs, c = (f % kVecs) * 4;
    const int gr = r0 + r, gc = c0 + c;
    const int valid = gr < rlim ? max(0, min(4, clim - gc)) : 0;
    cp_async16(smem + r * (Cols + kPad) + c, valid ? g + int64_t(gr) * ld + gc : g, valid * 4);
  }
}

template <bool TA, bool TB>
__device__ __forceinline__ void load_stage(const Args& p, const float* a, const float* b, float* as, float* bs, int m0,
                                           int n0, int k0) {
  if (TA) load_tile<kBk, kBm>(as, a, p.lda, k0, m0, p.k, p.m);  // A stored [k][m]
  else load_tile<kBm, kBk>(as, a, p.lda, m0, k0, p.m, p.k);     // A stored [m][k]
  if (TB) load_tile<kBn, kBk>(bs, b, p.ldb, n0, k0, p.n, p.k);  // B stored [n][k]
  else load_tile<kBk, kBn>(bs, b, p.ldb, k0, n0, p.k, p.n);     // B stored [k][n]
}

template <class Frag>
__device__ __forceinline__ void to_tf32(Frag& f) {
#pragma unroll
  for (int t = 0; t < f.num_elements; ++t) f.x[t] = wmma::__float_to_tf32(f.x[t]);
}

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreadsTc, 2) tf32_kernel(const Args p) {
  using LayoutA = typename std::conditional<TA, wmma::col_major, wmma::row_major>::type;
  using LayoutB = typename std::conditional<TB, wmma::col_major, wmma::row_major>::type;
  extern __shared__ __align__(128) float smem[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = warp / 4, wn = warp % 4;  // 2 x 4 warps
  const int n0 = blockIdx.x * kBn;
  const int k_tiles = (p.k + kBk - 1) / kBk;
  constexpr int lda_s = TA ? kBm + kPad : kBk + kPad, ldb_s = TB ? kBk + kPad : kBn + kPad;

  for (int64_t z = blockIdx.z; z < p.batch; z += gridDim.z) {
    const float* a = p.a + z * p.stride_a;
    const float* b = p.b + z * p.stride_b;
    float* c = p.c + z * p.stride_c;
    for (int m0 = blockIdx.y * kBm; m0 < p.m; m0 += gridDim.y * kBm) {
      wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

      __syncthreads();  // the previous tile's epilogue is done with the stage memory
#pragma unroll
      for (int s = 0; s < kStages - 1; ++s) {
        if (s < k_tiles)
          load_stage<TA, TB>(p, a, b, smem + s * 2 * kTileFloats, smem + (s * 2 + 1) * kTileFloats, m0, n0, s * kBk);
        cp_async_commit();
      }
      for (int t = 0; t < k_tiles; ++t) {
        cp_async_wait<kStages - 2>();  // tile t has landed (for this thread)...
        __syncthreads();               // ...for every thread, and tile t - 1's readers are done
        const int next = t + kStages - 1;
        if (next < k_tiles) {
          const int s = next % kStages;
          load_stage<TA, TB>(p, a, b, smem + s * 2 * kTileFloats, smem + (s * 2 + 1) * kTileFloats, m0, n0, next * kBk);
        }
        cp_async_commit();
        const float* as = smem + (t % kStages) * 2 * kTileFloats;
        const float* bs = as + kTileFloats;
#pragma unroll
        for (int kk = 0; kk < kBk; kk += 8) {
          // Both B fragments stay loaded; A fragments are loaded one at a time (registers).
          wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, LayoutB> fb[2];
#pragma unroll
          for (int j = 0; j < 2; ++j) {
            const int nc = wn * 32 + j * 16;
            wmma::load_matrix_sync(fb[j], TB ? bs + nc * ldb_s + kk : bs + kk * ldb_s + nc, ldb_s);
            to_tf32(fb[j]);
          }
#pragma unroll
          for (int i = 0; i < 4; ++i) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, LayoutA> fa;
            const int mr = wm * 64 + i * 16;
            wmma::load_matrix_sync(fa, TA ? as + kk * lda_s + mr : as + mr * lda_s + kk, lda_s);
            to_tf32(fa);
#pragma unroll
            for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa, fb[j], acc[i][j]);
          }
        }
      }
      cp_async_wait<0>();
      __syncthreads();  // stage memory is free: reuse 256 floats per warp for the epilogue

      float* stage = smem + warp * 256;
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
          __syncwarp();
          const int row0 = m0 + wm * 64 + i * 16, col0 = n0 + wn * 32 + j * 16;
#pragma unroll
          for (int e = lane; e < 256; e += 32) {
            const int row = row0 + e / 16, col = col0 + e % 16;
            if (row < p.m && col < p.n) {
              float* dst = c + int64_t(row) * p.ldc + col;
              const float v = p.alpha * stage[e];
              *dst = p.beta == 0.0f ? v : fmaf(p.beta, *dst, v);
            }
          }
          __syncwarp();
        }
    }
  }
}

template <bool TA, bool TB>
void launch(const Args& p, int device, cudaStream_t stream, const char* op) {
  // The 108 KB of dynamic shared memory needs an opt-in per function and device.
  static std::atomic<uint64_t> configured{0};
  const uint64_t bit = uint64_t(1) << (device & 63);
  if (!(configured.load() & bit)) {
    detail::check(cudaFuncSetAttribute(tf32_kernel<TA, TB>, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemBytes),
                  op, device, "cudaFuncSetAttribute");
    configured.fetch_or(bit);
  }
  const dim3 grid(unsigned((p.n + kBn - 1) / kBn), unsigned(std::min<int64_t>((p.m + kBm - 1) / kBm, kMaxGrid)),
                  unsigned(std::min<int64_t>(p.batch, kMaxGrid)));
  tf32_kernel<TA, TB><<<grid, kThreadsTc, kSmemBytes, stream>>>(p);
}

bool rows_aligned(const void* ptr, int64_t ld, int64_t stride) {
  return (reinterpret_cast<uintptr_t>(ptr) & 15) == 0 && ld % 4 == 0 && stride % 4 == 0;
}

std::atomic<int> tf32_state{-1};  // -1: not read from the environment yet

}  // namespace

namespace detail {

bool sgemm_tf32(int device, const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c, void* stream_handle) {
  const auto stream = static_cast<cudaStream_t>(stream_handle);
  const bool batched = batch > 1;
  if (s.k == 0 || alpha == 0.0f || !rows_aligned(a, s.lda, batched ? stride_a : 0) ||
      !rows_aligned(b, s.ldb, batched ? stride_b : 0))
    return false;
  Args p{int(s.m), int(s.n), int(s.k), s.lda, s.ldb, s.ldc, stride_a, stride_b, stride_c, batch,
         alpha, beta, a, b, c};
  constexpr const char* kOp = "MatMul";
  if (!s.trans_a && !s.trans_b) launch<false, false>(p, device, stream, kOp);
  else if (!s.trans_a) launch<false, true>(p, device, stream, kOp);
  else if (!s.trans_b) launch<true, false>(p, device, stream, kOp);
  else launch<true, true>(p, device, stream, kOp);
  check(cudaGetLastError(), kOp, device, "tf32 kernel launch");
  return true;
}

}  // namespace detail

bool tf32_enabled() {
  int v = tf32_state.load();
  if (v < 0) {
    const char* env = std::getenv("KILN_TF32");
    v = env != nullptr && std::strcmp(env, "1") == 0 ? 1 : 0;
    tf32_state.store(v);
  }
  return v == 1;
}

void set_tf32(bool on) { tf32_state.store(on ? 1 : 0); }

void sgemm(Stream* s, const GemmShape& g, int64_t batch, float alpha, const float* a, int64_t stride_a,
           const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c) {
  detail::check_gemm_args(g, batch, stride_a, stride_b, stride_c, alpha, a, b, c);
  if (batch == 0 || g.m == 0 || g.n == 0) return;
  detail::OnStream on(s, "MatMul");
  if (tf32_enabled() &&
      detail::sgemm_tf32(s->device, g, batch, alpha, a, stride_a, b, stride_b, beta, c, stride_c, on.get()))
    return;
  sgemm_device(s->device, g, batch, alpha, a, stride_a, b, stride_b, beta, c, stride_c, on.get());
}

}  // namespace kiln::cuda
