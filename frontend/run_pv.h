// `pvlab run` for a Xen PV kernel: the hypervisor builds the domain from the ELF file and
// runs it; the exit status tells how the domain ended.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "frontend/elf_image.h"

namespace pvlab {

struct PvRunOptions {
  size_t mem_bytes = 64u << 20;
  unsigned vcpus = 1;
  std::string cmdline;
  bool initdomain = false;
  uint64_t max_insns = 0, max_cycles = 0;
  bool stats = false;
  bool log_int = false, log_hcall = false;
};

int run_pv(const ElfImage& img, const PvRunOptions& o);

}  // namespace pvlab
