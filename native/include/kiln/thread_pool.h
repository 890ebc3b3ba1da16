// Process-wide CPU thread pool shared by every Node environment (main thread and
// worker threads) that loads the addon. One pool per process keeps threads x pool size
// from oversubscribing the cores: a caller that finds the pool busy (another thread is
// using it, or the call is nested inside a pool task) runs its work inline instead.
#pragma once
#include <cstdint>
#include <functional>

namespace kiln {

class ThreadPool {
 public:
  /// The single pool of this process, created on first use.
  static ThreadPool& instance();
  /// Threads that execute a run(), the calling thread included.
  virtual int size() const = 0;
  /// Resizes the pool (tests and benchmarks); waits for running work first.
  virtual void resize(int threads) = 0;
  /// Calls fn(task) for every task in [0, tasks) and returns when all are done.
  /// Exceptions thrown by fn are rethrown here (the first one wins).
  virtual void run(int64_t tasks, const std::function<void(int64_t)>& fn) = 0;
  virtual ~ThreadPool() = default;
};

/// Splits [0, n) into chunks of at least `grain` and runs fn(begin, end) on the pool.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

/// Threads a run() may use right now from this thread (1 inside a pool task).
int available_threads();

}  // namespace kiln
