// Fixed set of worker threads for data-parallel loops over rows, output columns or attention heads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace chunkwise::runtime {

class ThreadPool {
 public:
  // `num_threads` counts the calling thread: 1 runs everything on the caller.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return int(workers_.size()) + 1; }

  // Calls body(begin, end) on disjoint ranges covering [0, count), each at least `min_chunk` long (except the
  // last), spread over the threads. Returns when all are done; rethrows the first exception a body threw.
  // Called from inside a body, it runs serially on that thread.
  void parallel_for(int64_t count, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& body);

 private:
  struct Job;
  void work();
  static void run_chunks(Job& job);

  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one parallel_for at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  int busy_workers_ = 0;
  bool stopping_ = false;
};

// std::thread::hardware_concurrency(), or CHUNKWISE_THREADS when set.
int default_thread_count();
// The process-wide pool the CPU kernels use; created on first use with default_thread_count() threads.
ThreadPool& cpu_thread_pool();
// Replaces the process-wide pool (not while kernels run).
void set_cpu_thread_count(int num_threads);

}  // namespace chunkwise::runtime
