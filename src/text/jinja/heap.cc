#include "text/jinja/heap.h"

namespace chunkwise::text::jinja {
namespace {
thread_local RenderHeap* current_heap = nullptr;
}

RenderHeap::RenderHeap() : previous_(current_heap) {
  current_heap = this;
}

RenderHeap::~RenderHeap() {
  current_heap = previous_;
  // Every container is still owned here, so emptying them frees only scalars and strings; afterwards each
  // container is released on its own, without recursion.
  for (auto& list : lists_) list->clear();
  for (auto& dict : dicts_) dict->clear();
  for (auto& ns : namespaces_) ns->attributes.clear();
}

RenderHeap* RenderHeap::current() {
  return current_heap;
}

}  // namespace chunkwise::text::jinja
