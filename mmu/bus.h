// The bus: guest RAM, MMIO regions and the 64 K I/O port space. Every physical access that is
// not served by a TLB host pointer comes through here, and so does every device-initiated
// access (DMA), so code-page write tracking sees them all.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "mmu/phys_mem.h"

namespace pvlab {

class PortDevice {
 public:
  virtual ~PortDevice() = default;
  virtual uint32_t in(uint16_t port, unsigned size) = 0;
  virtual void out(uint16_t port, unsigned size, uint32_t value) = 0;
};

class MmioDevice {
 public:
  virtual ~MmioDevice() = default;
  virtual uint32_t read(paddr_t offset, unsigned size) = 0;
  virtual void write(paddr_t offset, unsigned size, uint32_t value) = 0;
};

// Told when a write lands on a frame marked as holding decoded code.
class CodeWriteListener {
 public:
  virtual ~CodeWriteListener() = default;
  virtual void code_written(paddr_t addr, unsigned size) = 0;
};

// Sees every port access (the event trace's device I/O); unset, it costs a test per IN/OUT.
class PortObserver {
 public:
  virtual ~PortObserver() = default;
  virtual void port_access(uint16_t port, unsigned size, uint32_t value, bool write) = 0;
};

class Bus {
 public:
  explicit Bus(PhysMem& ram);

  PhysMem& ram() { return ram_; }
  const PhysMem& ram() const { return ram_; }

  void map_ports(uint16_t first, uint16_t count, PortDevice* dev);
  void map_mmio(paddr_t base, paddr_t size, MmioDevice* dev, std::string name);
  // A read-only RAM range (ROM images): writes are dropped.
  void set_rom(paddr_t base, paddr_t size);
  void set_code_listener(CodeWriteListener* l) { code_listener_ = l; }

  // Host pointer for a RAM frame that may be accessed directly, or nullptr when the frame is
  // MMIO, ROM (for writes) or beyond RAM.
  uint8_t* host_frame(paddr_t frame_base, bool write);

  // Accesses of 1 to 4 bytes. Plain RAM (no MMIO, no ROM on the frame) is served inline.
  PVLAB_INLINE uint32_t read(paddr_t addr, unsigned size) {
    if (PVLAB_LIKELY(plain(addr, size, kDirectRead))) {
      uint32_t v = 0;
      std::memcpy(&v, ram_.ptr(addr), size);
      return v;
    }
    return read_slow(addr, size);
  }
  PVLAB_INLINE void write(paddr_t addr, unsigned size, uint32_t value) {
    if (PVLAB_LIKELY(plain(addr, size, kDirectWrite))) {
      std::memcpy(ram_.ptr(addr), &value, size);
      note_write(addr, size);
      return;
    }
    write_slow(addr, size, value);
  }
  // Side-effect-free byte access for debuggers: no MMIO, no code tracking. Returns false
  // where there is no RAM.
  bool peek(paddr_t addr, uint8_t& out) const;
  bool poke(paddr_t addr, uint8_t value);

  uint32_t port_in(uint16_t port, unsigned size);
  void port_out(uint16_t port, unsigned size, uint32_t value);
  void set_port_observer(PortObserver* o) { port_observer_ = o; }

  // A write that bypassed Bus::write (the hypervisor's and the back ends' copies into guest
  // memory): mark the frames written and tell the code listener.
  PVLAB_INLINE void note_write(paddr_t addr, unsigned size) {
    const paddr_t f = addr >> kPageShift, l = (addr + size - 1) >> kPageShift;
    ram_.mark_dirty(f);
    for (paddr_t p = f + 1; PVLAB_UNLIKELY(p <= l); ++p) ram_.mark_dirty(p);
    note_tlb_write(addr, size);
  }
  // A CPU store through a TLB entry's host write pointer: the frame was marked written when
  // the pointer was handed out (mmu/phys_mem.h), so only the code listener is told.
  PVLAB_INLINE void note_tlb_write(paddr_t addr, unsigned size) {
    if (PVLAB_UNLIKELY(ram_.is_code(addr >> kPageShift) ||
                       ram_.is_code((addr + size - 1) >> kPageShift)))
      code_written_slow(addr, size);
  }

  // Unmapped ports seen so far (reported once each by the frontend).
  const std::vector<uint16_t>& unknown_ports() const { return unknown_ports_; }

 private:
  struct Mmio {
    paddr_t base, size;
    MmioDevice* dev;
    std::string name;
  };
  // Per RAM frame: whether reads (kDirectRead) and writes (kDirectWrite) of any byte of it
  // may go straight to host memory, that is no MMIO region (and for writes no ROM range)
  // overlaps the frame. Recomputed whenever a region is added.
  static constexpr uint8_t kDirectRead = 1, kDirectWrite = 2;
  PVLAB_INLINE bool plain(paddr_t addr, unsigned size, uint8_t kind) const {
    const paddr_t f = addr >> kPageShift, l = (addr + size - 1) >> kPageShift;
    return l < direct_.size() && (direct_[f] & kind) && (direct_[l] & kind);
  }
  void update_direct();
  uint32_t read_slow(paddr_t addr, unsigned size);
  void write_slow(paddr_t addr, unsigned size, uint32_t value);
  Mmio* find_mmio(paddr_t addr);
  bool overlaps_mmio(paddr_t addr, unsigned size) const;
  bool overlaps_rom(paddr_t addr, unsigned size) const;
  bool is_rom(paddr_t addr) const;
  void code_written_slow(paddr_t addr, unsigned size);

  PhysMem& ram_;
  std::array<PortDevice*, 65536> ports_{};
  std::vector<Mmio> mmio_;
  std::vector<std::pair<paddr_t, paddr_t>> rom_;
  CodeWriteListener* code_listener_ = nullptr;
  PortObserver* port_observer_ = nullptr;
  std::vector<uint16_t> unknown_ports_;
  std::vector<uint8_t> unknown_seen_;
  std::vector<uint8_t> direct_;  // kDirectRead | kDirectWrite per RAM frame
};

}  // namespace pvlab
