#include "runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>

#include "common/error.h"

namespace chunkwise::runtime {

namespace {

thread_local bool inside_parallel_for = false;
constexpr int spin_iterations = 20000;  // roughly 50-200 microseconds of pause instructions

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until predicate() holds or the spin budget is spent; returns whether it holds.
template <typename Predicate>
bool spin_until(Predicate predicate) {
  for (int i = 0; i < spin_iterations; ++i) {
    if (predicate()) return true;
    cpu_relax();
  }
  return predicate();
}

}  // namespace

struct ThreadPool::Job {
  const std::function<void(int64_t, int64_t)>* body;
  int64_t count;
  int64_t chunk;
  std::atomic<int64_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
};

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads < 1)
    fail(ErrorKind::invalid_input, "thread pool needs at least 1 thread, got {}", num_threads);
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run_chunks(Job& job) {
  inside_parallel_for = true;
  for (;;) {
    int64_t begin = job.next.fetch_add(job.chunk);
    if (begin >= job.count) break;
    try {
      (*job.body)(begin, std::min(job.count, begin + job.chunk));
    } catch (...) {
      std::lock_guard lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
    }
  }
  inside_parallel_for = false;
}

void ThreadPool::work() {
  uint64_t seen = 0;
  auto woken = [&] { return stopping_.load() || generation_.load(std::memory_order_acquire) != seen; };
  for (;;) {
    if (!spin_until(woken)) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, woken);
    }
    if (stopping_) return;
    seen = generation_.load(std::memory_order_acquire);
    run_chunks(*job_.load());
    if (busy_workers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t count, int64_t min_chunk,
                              const std::function<void(int64_t, int64_t)>& body) {
  if (count <= 0) return;
  min_chunk = std::max<int64_t>(min_chunk, 1);
  int threads = num_threads();
  if (threads == 1 || inside_parallel_for || count <= min_chunk) {
    bool was_inside = inside_parallel_for;
    inside_parallel_for = true;
    try {
      body(0, count);
    } catch (...) {
      inside_parallel_for = was_inside;
      throw;
    }
    inside_parallel_for = was_inside;
    return;
  }
  std::lock_guard submit(submit_mutex_);
  Job job;
  job.body = &body;
  job.count = count;
  // About 4 chunks per thread for balance, none smaller than min_chunk.
  job.chunk = std::max(min_chunk, (count + 4 * threads - 1) / (4 * threads));
  int helpers = int(std::min<int64_t>(threads - 1, (count + job.chunk - 1) / job.chunk - 1));
  if (helpers > 0) {
    job_.store(&job);
    busy_workers_.store(int(workers_.size()));
    {
      std::lock_guard lock(mutex_);  // a worker between its check and its wait must not miss this
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    wake_.notify_all();
  }
  run_chunks(job);
  if (helpers > 0) {
    auto finished = [&] { return busy_workers_.load(std::memory_order_acquire) == 0; };
    if (!spin_until(finished)) {
      std::unique_lock lock(mutex_);
      done_.wait(lock, finished);
    }
  }
  if (job.error) std::rethrow_exception(job.error);
}

int default_thread_count() {
  if (const char* value = std::getenv("CHUNKWISE_THREADS")) {
    int n = std::atoi(value);
    if (n >= 1) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace {
std::unique_ptr<ThreadPool>& pool_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
std::mutex pool_mutex;
}  // namespace

ThreadPool& cpu_thread_pool() {
  std::lock_guard lock(pool_mutex);
  auto& pool = pool_slot();
  if (!pool) pool = std::make_unique<ThreadPool>(default_thread_count());
  return *pool;
}

void set_cpu_thread_count(int num_threads) {
  std::lock_guard lock(pool_mutex);
  pool_slot() = std::make_unique<ThreadPool>(num_threads);
}

}  // namespace chunkwise::runtime
