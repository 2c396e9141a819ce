// The task-memory pool (see task_memory.h).
//
// A page is 64 KiB, aligned to its size, so a block finds its page by
// masking its address. A page holds blocks of one size class (multiples of
// 16 bytes), carved lazily from its unused tail, and belongs to one heap
// until it is empty again. A heap belongs to at most one thread at a time;
// only that thread touches the heap's lists and its pages' free lists and
// counts.
//
// Freeing a block:
//   * on the owning thread: onto its page's free list. A full page that gets
//     a block back joins its class's available list. A page that becomes
//     empty (and is not the one its class allocates from) is kept as a spare
//     for any class, up to kMaxSparePages; past that its memory goes back to
//     the system (PageFromSystem says how).
//   * on any other thread: gathered in the freeing thread's own heap
//     (`outgoing`, up to kOutgoingBlocks blocks of one owner), then pushed
//     onto the owning heap's `remote` stack with one compare-and-swap
//     (release), which the owner takes whole (acquire) when its current page
//     runs out. The owner's `remote` is a cache line both workers write, and
//     with 2 workers every stolen task is freed this way: a CAS per block was
//     a tenth of spawn_many's samples. A thread hands its gathered blocks
//     over when it switches owners, before it parks (FlushTaskMemory) and
//     when its heap is released. A thread without a heap (after its release)
//     pushes each block at once.
//
// A thread's heap is leased on its first allocation and, when the thread
// exits (platform::ThreadExitHook), goes back to a global list for the next
// thread to adopt, with its pages, blocks still in use and all; so a heap is
// never freed while a block of it may still be freed. A thread that
// allocates after its heap was released (another exit hook that spawns)
// uses a shared heap under a mutex.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>

#include "executors/platform/pages.h"
#include "executors/platform/threads.h"
#include "runtime/internal/memory/task_memory.h"

namespace weft::internal {
namespace {

constexpr size_t kPageBytes = 64 * 1024;
constexpr size_t kGranule = 16;
constexpr size_t kClasses = kMaxPooledBlock / kGranule;
// Spare empty pages a heap keeps for reuse (2 MiB): a burst of tasks that
// ends and starts again does not go back to the system each time.
constexpr size_t kMaxSparePages = 32;
// Blocks a thread gathers for another heap before it hands them over.
constexpr uint32_t kOutgoingBlocks = 32;

struct FreeBlock {
  FreeBlock* next;
};

struct Heap;

struct alignas(64) Page {
  Heap* heap = nullptr;  // fixed from Format until the page is empty
  FreeBlock* free = nullptr;
  char* unused = nullptr;  // the never-allocated tail: [unused, end)
  char* end = nullptr;
  uint32_t block_bytes = 0;
  uint32_t size_class = 0;
  uint32_t used = 0;       // blocks allocated and not freed back to the owner
  bool available = false;  // linked into its class's available list
  Page* prev = nullptr;    // available list, or the spare list (next only)
  Page* next = nullptr;
};
constexpr size_t kPageHeaderBytes = sizeof(Page);
static_assert(kPageHeaderBytes % kGranule == 0);

// Blocks freed by this heap's thread that belong to `owner`'s heap, linked
// from `first` to `last`.
struct OutgoingBlocks {
  Heap* owner = nullptr;
  FreeBlock* first = nullptr;
  FreeBlock* last = nullptr;
  uint32_t count = 0;
};

struct Heap {
  std::atomic<FreeBlock*> remote{nullptr};
  OutgoingBlocks outgoing;
  Page* current[kClasses] = {};
  Page* available[kClasses] = {};
  Page* spare = nullptr;
  size_t spare_count = 0;
  Heap* next_free_heap = nullptr;
};

std::atomic<size_t> g_pages{0};

Page* PageOf(void* block) {
  return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(block) &
                                 ~(uintptr_t{kPageBytes} - 1));
}

size_t ClassOf(size_t size) { return size == 0 ? 0 : (size - 1) / kGranule; }

void Format(Page* page, Heap* heap, size_t size_class) {
  page->heap = heap;
  page->free = nullptr;
  page->unused = reinterpret_cast<char*>(page) + kPageHeaderBytes;
  page->end = reinterpret_cast<char*>(page) + kPageBytes;
  page->block_bytes = static_cast<uint32_t>((size_class + 1) * kGranule);
  page->size_class = static_cast<uint32_t>(size_class);
  page->used = 0;
  page->available = false;
  page->prev = page->next = nullptr;
}

// Pages come from 4 MiB mappings, carved in order, so that aligning a page
// wastes nothing (aligned_alloc would touch a fragment around every page).
// A page given back is kept for the next heap that needs one, its memory
// intact up to kMaxIntactPages (so that a burst of tasks that ends and
// starts again does not fault its memory in again each time) and returned
// to the system past that (MADV_DONTNEED); the address space is never
// unmapped.
constexpr size_t kSegmentBytes = 4 << 20;
constexpr size_t kMaxIntactPages = 1024;  // 64 MiB

std::mutex g_system_mu;
char* g_segment_next = nullptr;
char* g_segment_end = nullptr;
Page* g_intact_pages = nullptr;
size_t g_intact_count = 0;
Page* g_released_pages = nullptr;

Page* Pop(Page*& list) {
  Page* page = list;
  if (page != nullptr) list = page->next;
  return page;
}

void* PageFromSystem() {
  std::lock_guard lock(g_system_mu);
  if (Page* page = Pop(g_intact_pages)) {
    --g_intact_count;
    return page;
  }
  if (Page* page = Pop(g_released_pages)) return page;
  if (g_segment_next == g_segment_end) {
    // Map one page more than the segment and cut it down to a
    // page-aligned range.
    size_t length = kSegmentBytes + kPageBytes;
    void* mapping = platform::MapPages(length);
    if (mapping == nullptr) throw std::bad_alloc();
    auto start = reinterpret_cast<uintptr_t>(mapping);
    uintptr_t aligned = (start + kPageBytes - 1) & ~(uintptr_t{kPageBytes} - 1);
    if (aligned > start) platform::UnmapPages(mapping, aligned - start);
    uintptr_t tail = aligned + kSegmentBytes;
    if (start + length > tail) {
      platform::UnmapPages(reinterpret_cast<void*>(tail),
                           start + length - tail);
    }
    g_segment_next = reinterpret_cast<char*>(aligned);
    g_segment_end = g_segment_next + kSegmentBytes;
  }
  void* page = g_segment_next;
  g_segment_next += kPageBytes;
  return page;
}

void ReturnToSystem(Page* page) {
  page->~Page();
  {
    std::lock_guard lock(g_system_mu);
    if (g_intact_count < kMaxIntactPages) {
      auto* kept = new (page) Page;
      kept->next = g_intact_pages;
      g_intact_pages = kept;
      ++g_intact_count;
      return;
    }
  }
  platform::DiscardPages(page, kPageBytes);
  std::lock_guard lock(g_system_mu);
  auto* released = new (page) Page;
  released->next = g_released_pages;
  g_released_pages = released;
}

Page* NewPage(Heap& heap, size_t size_class) {
  Page* page = heap.spare;
  if (page != nullptr) {
    heap.spare = page->next;
    --heap.spare_count;
  } else {
    page = new (PageFromSystem()) Page;
    g_pages.fetch_add(1, std::memory_order_relaxed);
  }
  Format(page, &heap, size_class);
  return page;
}

void RetirePage(Heap& heap, Page* page) {
  if (heap.spare_count < kMaxSparePages) {
    page->next = heap.spare;
    heap.spare = page;
    ++heap.spare_count;
    return;
  }
  g_pages.fetch_sub(1, std::memory_order_relaxed);
  ReturnToSystem(page);
}

void LinkAvailable(Heap& heap, Page* page) {
  Page*& head = heap.available[page->size_class];
  page->available = true;
  page->prev = nullptr;
  page->next = head;
  if (head != nullptr) head->prev = page;
  head = page;
}

void UnlinkAvailable(Heap& heap, Page* page) {
  if (page->prev != nullptr) {
    page->prev->next = page->next;
  } else {
    heap.available[page->size_class] = page->next;
  }
  if (page->next != nullptr) page->next->prev = page->prev;
  page->available = false;
  page->prev = page->next = nullptr;
}

void* TakeBlock(Page* page) {
  if (FreeBlock* block = page->free) {
    page->free = block->next;
    ++page->used;
    return block;
  }
  if (page->unused + page->block_bytes <= page->end) {
    void* block = page->unused;
    page->unused += page->block_bytes;
    ++page->used;
    return block;
  }
  return nullptr;
}

// The owner takes a block back.
void FreeLocal(Heap& heap, FreeBlock* block) {
  Page* page = PageOf(block);
  block->next = page->free;
  page->free = block;
  --page->used;
  if (page == heap.current[page->size_class]) return;
  if (page->used == 0) {
    if (page->available) UnlinkAvailable(heap, page);
    RetirePage(heap, page);
  } else if (!page->available) {
    LinkAvailable(heap, page);
  }
}

// Hands the chain first..last to its owner.
void PushRemote(Heap& owner, FreeBlock* first, FreeBlock* last) {
  FreeBlock* head = owner.remote.load(std::memory_order_relaxed);
  do {
    last->next = head;
  } while (!owner.remote.compare_exchange_weak(
      head, first, std::memory_order_release, std::memory_order_relaxed));
}

void FlushOutgoing(Heap& heap) {
  OutgoingBlocks& out = heap.outgoing;
  if (out.owner == nullptr) return;
  PushRemote(*out.owner, out.first, out.last);
  out = {};
}

// `heap`'s thread frees a block of `owner`'s.
void FreeRemote(Heap& heap, Heap& owner, FreeBlock* block) {
  OutgoingBlocks& out = heap.outgoing;
  if (out.owner != &owner) {
    FlushOutgoing(heap);
    out.owner = &owner;
    out.last = block;
  }
  block->next = out.first;
  out.first = block;
  if (++out.count == kOutgoingBlocks) FlushOutgoing(heap);
}

void CollectRemote(Heap& heap) {
  FreeBlock* block = heap.remote.exchange(nullptr, std::memory_order_acquire);
  while (block != nullptr) {
    FreeBlock* next = block->next;
    FreeLocal(heap, block);
    block = next;
  }
}

void* AllocateFrom(Heap& heap, size_t size_class) {
  Page* page = heap.current[size_class];
  if (page != nullptr) {
    if (void* block = TakeBlock(page)) return block;
  }
  // The current page is full: take back what other threads freed, then
  // move to a page with room (the full page joins the available list again
  // when a block of it comes back).
  CollectRemote(heap);
  if (page != nullptr) {
    if (void* block = TakeBlock(page)) return block;
  }
  Page* next = heap.available[size_class];
  if (next != nullptr) {
    UnlinkAvailable(heap, next);
  } else {
    next = NewPage(heap, size_class);
  }
  // The old page is full, so in no list: the first block that comes back
  // to it links it into the available list (FreeLocal).
  heap.current[size_class] = next;
  return TakeBlock(next);
}

// --- heaps and threads ----------------------------------------------------

std::mutex g_heaps_mu;
Heap* g_free_heaps = nullptr;  // released by exited threads, for adoption

Heap* LeaseHeap() {
  {
    std::lock_guard lock(g_heaps_mu);
    if (Heap* heap = g_free_heaps) {
      g_free_heaps = heap->next_free_heap;
      heap->next_free_heap = nullptr;
      return heap;
    }
  }
  return new Heap;
}

void ReleaseHeap(Heap* heap) {
  FlushOutgoing(*heap);
  CollectRemote(*heap);
  std::lock_guard lock(g_heaps_mu);
  heap->next_free_heap = g_free_heaps;
  g_free_heaps = heap;
}

// For threads whose heap was already released: one heap under a mutex.
std::mutex g_shared_mu;
Heap g_shared_heap;

thread_local Heap* tls_heap = nullptr;
thread_local bool tls_heap_released = false;

// At the thread's exit. The heap comes as the hook's value, not from
// tls_heap, which the platform may have torn down by then (see
// platform::ThreadExitHook).
void ReleaseThreadHeap(void* heap) {
  tls_heap = nullptr;
  tls_heap_released = true;
  ReleaseHeap(static_cast<Heap*>(heap));
}

platform::ThreadExitHook& HeapReleaseHook() {
  static auto* hook = new platform::ThreadExitHook(ReleaseThreadHeap);
  return *hook;
}

// nullptr once this thread's heap has been released.
Heap* ThreadHeap() {
  if (tls_heap != nullptr) return tls_heap;
  if (tls_heap_released) return nullptr;
  Heap* heap = LeaseHeap();
  HeapReleaseHook().Set(heap);
  tls_heap = heap;
  return heap;
}

}  // namespace

void* AllocateTaskMemory(size_t size) {
  if (size > kMaxPooledBlock) return ::operator new(size);
  if (Heap* heap = ThreadHeap()) return AllocateFrom(*heap, ClassOf(size));
  std::lock_guard lock(g_shared_mu);
  return AllocateFrom(g_shared_heap, ClassOf(size));
}

void FreeTaskMemory(void* block, size_t size) noexcept {
  if (block == nullptr) return;
  if (size > kMaxPooledBlock) {
    ::operator delete(block, size);
    return;
  }
  auto* free_block = static_cast<FreeBlock*>(block);
  Heap* owner = PageOf(block)->heap;
  Heap* mine = tls_heap;
  if (owner == mine) {
    FreeLocal(*owner, free_block);
    return;
  }
  // Also the shared heap's blocks: its owner is whoever holds its mutex,
  // never a thread's tls_heap. A thread that frees before it ever
  // allocated leases its heap now, to gather blocks in.
  if (mine == nullptr) mine = ThreadHeap();
  if (mine != nullptr) {
    FreeRemote(*mine, *owner, free_block);
  } else {
    PushRemote(*owner, free_block, free_block);
  }
}

void FlushTaskMemory() noexcept {
  if (Heap* mine = tls_heap) FlushOutgoing(*mine);
}

TaskMemoryStats GetTaskMemoryStats() {
  return {g_pages.load(std::memory_order_relaxed), kPageBytes};
}

}  // namespace weft::internal
