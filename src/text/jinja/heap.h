// Ownership of the containers made during one render. Every list, dict and namespace made while a RenderHeap
// is active stays alive until the heap ends; then all of them are emptied before being released. That makes
// reference cycles (`l.append(l)`) and very deep chains harmless: nothing is freed recursively and nothing
// leaks.
#pragma once

#include <memory>
#include <vector>

#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

class RenderHeap {
 public:
  RenderHeap();
  ~RenderHeap();
  RenderHeap(const RenderHeap&) = delete;
  RenderHeap& operator=(const RenderHeap&) = delete;

  // The heap of the render running on this thread, or nullptr.
  static RenderHeap* current();

  void adopt(const ListPtr& list) { lists_.push_back(list); }
  void adopt(const DictPtr& dict) { dicts_.push_back(dict); }
  void adopt(const NamespacePtr& ns) { namespaces_.push_back(ns); }

 private:
  RenderHeap* previous_;
  std::vector<ListPtr> lists_;
  std::vector<DictPtr> dicts_;
  std::vector<NamespacePtr> namespaces_;
};

}  // namespace chunkwise::text::jinja
