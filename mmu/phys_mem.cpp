#include "mmu/phys_mem.h"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

namespace pvlab {

PhysMem::PhysMem(size_t bytes) {
  size_ = (bytes + kPageMask) & ~size_t(kPageMask);
  if (size_ == 0) throw std::invalid_argument("guest RAM size must be at least one page");
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  base_ = static_cast<uint8_t*>(p);
  code_.assign(frames(), 0);
}

PhysMem::~PhysMem() {
  if (base_) munmap(base_, size_);
}

}  // namespace pvlab
