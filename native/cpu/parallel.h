// Threading policy of the tfjs-backend kernels: work under kParallelMin elements runs
// inline (a pool hand-off costs more than it saves), larger work is split into chunks
// of at least kGrain elements. The std::function the pool takes is built from a lambda
// holding one pointer, which fits its small buffer: no heap allocation per call.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kiln/thread_pool.h"

namespace kiln::detail {

constexpr int64_t kParallelMin = 32768;
constexpr int64_t kGrain = 16384;

/// Calls fn(begin, end) over [0, items), threaded when items * item_size (elements of
/// work) reaches kParallelMin.
template <class F>
void parallel_items(int64_t items, int64_t item_size, const F& fn) {
  if (items <= 0) return;
  if (item_size < 1) item_size = 1;
  const int64_t threads = available_threads();
  if (items == 1 || threads <= 1 || items * item_size < kParallelMin) {
    fn(int64_t(0), items);
    return;
  }
  // ThreadPool::run directly rather than parallel_for, whose own task lambda is too big
  // for std::function's small buffer and would allocate on every call.
  const int64_t grain = (kGrain + item_size - 1) / item_size;
  const int64_t chunks = std::min<int64_t>((items + grain - 1) / grain, threads);
  struct Ctx {
    const F* fn;
    int64_t items;
    int64_t chunks;
  } ctx{&fn, items, chunks};
  ThreadPool::instance().run(chunks, [c = &ctx](int64_t t) {
    const int64_t b = c->items * t / c->chunks, e = c->items * (t + 1) / c->chunks;
    if (b < e) (*c->fn)(b, e);
  });
}

/// Splits [0, n) into `chunks` near-equal parts and runs fn(chunk, begin, end) for each
/// on the pool (inline when the pool is busy or nested); for reductions whose few
/// outputs each need a long scan.
template <class F>
void parallel_chunks(int64_t n, int chunks, const F& fn) {
  struct Ctx {
    const F* fn;
    int64_t n;
    int64_t chunks;
  } ctx{&fn, n, chunks};
  ThreadPool::instance().run(chunks, [c = &ctx](int64_t t) {
    (*c->fn)(t, c->n * t / c->chunks, c->n * (t + 1) / c->chunks);
  });
}

}  // namespace kiln::detail
