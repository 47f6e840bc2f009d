// ISA devices have 8-bit registers. A 16- or 32-bit IN/OUT on one of their ports reaches the
// following ports in turn, one byte each, lowest port first; BytePorts does that split so a
// device only writes byte handlers.
#pragma once
#include <cstdint>

#include "mmu/bus.h"

namespace pvlab {

class BytePorts : public PortDevice {
 public:
  uint32_t in(uint16_t port, unsigned size) final {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t(in8(uint16_t(port + i))) << (8 * i);
    return v;
  }
  void out(uint16_t port, unsigned size, uint32_t value) final {
    for (unsigned i = 0; i < size; ++i) out8(uint16_t(port + i), uint8_t(value >> (8 * i)));
  }

 protected:
  virtual uint8_t in8(uint16_t port) = 0;
  virtual void out8(uint16_t port, uint8_t value) = 0;
};

}  // namespace pvlab
