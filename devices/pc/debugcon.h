// Two tiny ISA devices that test guests use: the 0xE9 debug console (bytes written appear on
// the host's output) and isa-debug-exit at 0xF4 (a write ends the run with status
// (value << 1) | 1, as QEMU's device does).
#pragma once
#include <functional>
#include <string>

#include "mmu/bus.h"

namespace pvlab {

class DebugConsole final : public PortDevice {
 public:
  using Sink = std::function<void(char)>;
  explicit DebugConsole(Sink sink) : sink_(std::move(sink)) {}
  uint32_t in(uint16_t, unsigned) override { return 0xe9; }  // identifies the port, like Bochs
  void out(uint16_t, unsigned size, uint32_t v) override {
    for (unsigned i = 0; i < size; ++i) sink_(char(v >> (8 * i)));
  }

 private:
  Sink sink_;
};

class DebugExit final : public PortDevice {
 public:
  using OnExit = std::function<void(int status)>;
  explicit DebugExit(OnExit on_exit) : on_exit_(std::move(on_exit)) {}
  uint32_t in(uint16_t, unsigned size) override { return size == 4 ? ~0u : (1u << (8 * size)) - 1; }
  void out(uint16_t, unsigned, uint32_t v) override { on_exit_(int(((v & 0x7f) << 1) | 1)); }

 private:
  OnExit on_exit_;
};

}  // namespace pvlab
