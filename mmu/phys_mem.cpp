#include "mmu/phys_mem.h"

#include <sys/mman.h>

#include <algorithm>

#include <new>
#include <stdexcept>

#include "mmu/tlb.h"

namespace pvlab {

PhysMem::PhysMem(size_t bytes) {
  size_ = (bytes + kPageMask) & ~size_t(kPageMask);
  if (size_ == 0) throw std::invalid_argument("guest RAM size must be at least one page");
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  base_ = static_cast<uint8_t*>(p);
  code_.assign(frames(), 0);
  frames_ = frames();
  dirty_.assign(frames_ + 1, 1);   // a new RAM counts as written everywhere
}

PhysMem::~PhysMem() {
  if (base_) munmap(base_, size_);
}

void PhysMem::mark_all_dirty() { std::fill(dirty_.begin(), dirty_.end(), uint8_t(1)); }

void PhysMem::clear_dirty() {
  std::fill(dirty_.begin(), dirty_.end(), uint8_t(0));
  for (Tlb* t : tlbs_) t->park_writes();
}

void PhysMem::attach_tlb(Tlb* t) { tlbs_.push_back(t); }

void PhysMem::detach_tlb(Tlb* t) { tlbs_.erase(std::remove(tlbs_.begin(), tlbs_.end(), t), tlbs_.end()); }

}  // namespace pvlab
