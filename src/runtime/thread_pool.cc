#include "runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>

#include "common/error.h"

namespace chunkwise::runtime {

namespace {
thread_local bool inside_parallel_for = false;
}

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
  for (;;) {
    Job* job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
    }
    run_chunks(*job);
    {
      std::lock_guard lock(mutex_);
      if (--busy_workers_ == 0) done_.notify_one();
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
    std::lock_guard lock(mutex_);
    job_ = &job;
    busy_workers_ = int(workers_.size());
    ++generation_;
  }
  if (helpers > 0) wake_.notify_all();
  run_chunks(job);
  if (helpers > 0) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return busy_workers_ == 0; });
    job_ = nullptr;
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
