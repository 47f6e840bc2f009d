// Guest physical RAM: one host mapping, plus a per-frame "holds decoded code" mark that
// lets writes find the code they change.
#pragma once
#include <cstring>
#include <vector>

#include "mmu/types.h"

namespace pvlab {

class PhysMem {
 public:
  explicit PhysMem(size_t bytes);
  ~PhysMem();
  PhysMem(const PhysMem&) = delete;
  PhysMem& operator=(const PhysMem&) = delete;

  size_t size() const { return size_; }
  size_t frames() const { return size_ >> kPageShift; }
  bool contains(paddr_t a, size_t n = 1) const { return a < size_ && n <= size_ - a; }
  uint8_t* ptr(paddr_t a) { return base_ + a; }
  const uint8_t* ptr(paddr_t a) const { return base_ + a; }
  uint8_t* data() { return base_; }

  // Frames whose bytes were decoded into cached blocks.
  bool is_code(uint64_t pfn) const { return pfn < code_.size() && code_[pfn]; }
  void set_code(uint64_t pfn, bool on) { if (pfn < code_.size()) code_[pfn] = on; }
  const uint8_t* code_map() const { return code_.data(); }

 private:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::vector<uint8_t> code_;
};

}  // namespace pvlab
