// Machines built from a test image the way a snapshot or recording names them (the frontend
// tests of snapshots and written pages share these).
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frontend/snap_machine.h"
#include "frontend/state_file.h"

namespace pvlab::snap_test {

// What names a machine of `kind` ("pc" or "pv") running `image`.
inline MachineSpec spec_for(const std::vector<uint8_t>& image, const char* kind, unsigned vcpus = 1,
                            uint64_t ram = 64u << 20) {
  MachineSpec s;
  s.kind = kind;
  s.image_path = std::string("test-") + kind + ".elf";
  s.image_hash = state_hash(image);
  s.vcpus = vcpus;
  s.ram_bytes = ram;
  return s;
}

// That machine, built (the test stops, with the reason, when it cannot be).
inline std::unique_ptr<SnapMachine> make(const MachineSpec& spec, const std::vector<uint8_t>& image) {
  std::string err;
  auto m = SnapMachine::create(spec, image, err);
  INFO(err);
  REQUIRE(m);
  return m;
}

}  // namespace pvlab::snap_test
