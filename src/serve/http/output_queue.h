// The outputs of one request, handed from the engine thread (its sink) to the HTTP thread that answers it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "serve/sequence.h"

namespace chunkwise::serve::http {

class OutputQueue {
 public:
  void push(const SequenceOutput& output) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(output);
    }
    ready_.notify_one();
  }
  // The next output, or nothing after `timeout`.
  std::optional<SequenceOutput> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
    SequenceOutput output = std::move(items_.front());
    items_.pop_front();
    return output;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<SequenceOutput> items_;
};

}  // namespace chunkwise::serve::http
