// Persistent pool: workers spin briefly after each run (small kernels arrive in bursts
// during training, and a futex wake costs more than the kernel), then sleep.
#include "kiln/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define KILN_PAUSE() _mm_pause()
#else
#define KILN_PAUSE() std::this_thread::yield()
#endif

namespace kiln {
namespace {

thread_local bool tls_in_task = false;

// Spin-wait rounds. An idle worker yields every 32nd round, so that on a loaded machine
// it hands its core to the caller (or another process) instead of burning its time
// slice: pausing alone, the idle worker halved the caller's share of the CPU under load
// (two threads on 128x10x128 ran at a fifth of OpenBLAS, whose idle threads yield, at
// load 14). The caller waiting for a run's last tasks pauses only: a yield there may cost
// it the rest of a scheduling period, and those waits are short; after ~100 us it
// assumes the thread it waits for was preempted and yields too. On an idle core a yield
// returns at once.
inline void relax_idle(uint32_t round) {
  if ((round & 31) == 31) std::this_thread::yield();
  else KILN_PAUSE();
}

inline void relax_waiting(uint32_t round) {
  if (round >= 4096) std::this_thread::yield();
  else KILN_PAUSE();
}

int default_threads() {
  if (const char* env = std::getenv("KILN_THREADS")) {
    int v = std::atoi(env);
    if (v >= 1 && v <= 1024) return v;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

// KILN_SPIN_US: how long an idle worker spins before sleeping (default 1000).
int64_t spin_microseconds() {
  if (const char* env = std::getenv("KILN_SPIN_US")) {
    long long v = std::atoll(env);
    if (v >= 0 && v <= 1000000) return v;
  }
  return 1000;
}

class Pool final : public ThreadPool {
 public:
  explicit Pool(int threads) { start(threads); }
  ~Pool() override { stop(); }

  int size() const override { return threads_; }

  void resize(int threads) override {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    stop();
    start(std::max(1, threads));
  }

  void run(int64_t tasks, const std::function<void(int64_t)>& fn) override {
    if (tasks <= 0) return;
    std::unique_lock<std::mutex> run_lock(run_mu_, std::defer_lock);
    if (tasks == 1 || threads_ == 1 || tls_in_task || !run_lock.try_lock()) {
      run_inline(tasks, fn);
      return;
    }
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    open_.store(true);
    {
      std::lock_guard<std::mutex> lk(wake_mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_cv_.notify_all();
    work();
    for (uint32_t i = 0; done_.load(std::memory_order_acquire) < tasks; ++i) relax_waiting(i);
    // Close the run, then wait out workers that joined it: none may read fn_ or tasks_
    // once the next run starts rewriting them (seq_cst pairs with the worker's check).
    open_.store(false);
    for (uint32_t i = 0; active_.load() != 0; ++i) relax_waiting(i);
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_inline(int64_t tasks, const std::function<void(int64_t)>& fn) {
    bool was = tls_in_task;
    tls_in_task = true;
    try {
      for (int64_t t = 0; t < tasks; ++t) fn(t);
    } catch (...) {
      tls_in_task = was;
      throw;
    }
    tls_in_task = was;
  }

  // Claims tasks until none are left; used by the caller and the workers alike.
  void work() {
    tls_in_task = true;
    for (;;) {
      int64_t t = next_.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks_) break;
      try {
        (*fn_)(t);
      } catch (...) {
        std::lock_guard<std::mutex> lk(error_mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
    tls_in_task = false;
  }

  void worker_loop() {
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      // Spin a while before sleeping: during training the next GEMM arrives within a
      // few hundred microseconds of small single-threaded kernels, and a futex wake-up
      // inside a VM costs tens of microseconds each time.
      bool woke = false;
      const auto spin_until = std::chrono::steady_clock::now() + spin_;
      for (uint32_t i = 0;; ++i) {
        if (generation_.load(std::memory_order_acquire) != seen || stopping_.load()) {
          woke = true;
          break;
        }
        relax_idle(i);
        if ((i & 63) == 63 && std::chrono::steady_clock::now() >= spin_until) break;
      }
      if (!woke) {
        std::unique_lock<std::mutex> lk(wake_mu_);
        wake_cv_.wait(lk, [&] {
          return generation_.load(std::memory_order_acquire) != seen || stopping_.load();
        });
      }
      if (stopping_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      active_.fetch_add(1);
      if (open_.load()) work();
      active_.fetch_sub(1);
    }
  }

  void start(int threads) {
    threads_ = threads;
    stopping_.store(false);
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(wake_mu_);
      stopping_.store(true);
    }
    wake_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::chrono::microseconds spin_{spin_microseconds()};
  std::vector<std::thread> workers_;
  std::mutex run_mu_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};
  std::atomic<bool> open_{false};
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> done_{0};
  std::mutex error_mu_;
  std::exception_ptr error_;
};

}  // namespace

ThreadPool& ThreadPool::instance() {
  // Leaked on purpose: worker threads must outlive every Node environment's cleanup,
  // and joining threads from a static destructor at process exit can deadlock.
  static Pool* pool = new Pool(default_threads());
  return *pool;
}

int available_threads() { return tls_in_task ? 1 : ThreadPool::instance().size(); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int threads = available_threads();
  int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, threads);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  int64_t step = (n + chunks - 1) / chunks;
  ThreadPool::instance().run(chunks, [&](int64_t t) {
    int64_t b = t * step;
    int64_t e = std::min(n, b + step);
    if (b < e) fn(b, e);
  });
}

}  // namespace kiln
