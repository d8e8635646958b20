// Fixed set of worker threads for data-parallel loops over rows, output columns or attention heads.
#pragma once

#include <atomic>
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

  // Workers spin briefly after a job before sleeping on `wake_`, so that the back-to-back small loops of a
  // decode step do not pay a futex wake-up each; the caller likewise spins before sleeping on `done_`.
  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one parallel_for at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<Job*> job_{nullptr};
  std::atomic<uint64_t> generation_{0};  // changed (under mutex_) for each job
  std::atomic<int> busy_workers_{0};
  std::atomic<bool> stopping_{false};
};

// std::thread::hardware_concurrency(), or CHUNKWISE_THREADS when set.
int default_thread_count();
// The process-wide pool the CPU kernels use; created on first use with default_thread_count() threads.
ThreadPool& cpu_thread_pool();
// Replaces the process-wide pool (not while kernels run).
void set_cpu_thread_count(int num_threads);

}  // namespace chunkwise::runtime
