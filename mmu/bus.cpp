#include "mmu/bus.h"

#include <algorithm>

namespace pvlab {

Bus::Bus(PhysMem& ram) : ram_(ram), unknown_seen_(65536, 0) { update_direct(); }

void Bus::update_direct() {
  direct_.assign(ram_.frames(), kDirectRead | kDirectWrite);
  auto clear = [&](paddr_t base, paddr_t size, uint8_t bits) {
    if (size == 0) return;
    const paddr_t last = base + size - 1 < base ? ~paddr_t(0) : base + size - 1;
    for (paddr_t f = base >> kPageShift; f <= (last >> kPageShift) && f < direct_.size(); ++f)
      direct_[f] &= uint8_t(~bits);
  };
  for (const auto& m : mmio_) clear(m.base, m.size, kDirectRead | kDirectWrite);
  for (const auto& [b, n] : rom_) clear(b, n, kDirectWrite);
}

void Bus::map_ports(uint16_t first, uint16_t count, PortDevice* dev) {
  for (unsigned i = 0; i < count && first + i < 65536u; ++i) ports_[first + i] = dev;
}

void Bus::map_mmio(paddr_t base, paddr_t size, MmioDevice* dev, std::string name) {
  mmio_.push_back({base, size, dev, std::move(name)});
  update_direct();
}

void Bus::set_rom(paddr_t base, paddr_t size) {
  rom_.emplace_back(base, size);
  update_direct();
}

Bus::Mmio* Bus::find_mmio(paddr_t addr) {
  for (auto& m : mmio_)
    if (addr >= m.base && addr - m.base < m.size) return &m;
  return nullptr;
}

bool Bus::is_rom(paddr_t addr) const {
  for (auto& [b, s] : rom_)
    if (addr >= b && addr - b < s) return true;
  return false;
}

uint8_t* Bus::host_frame(paddr_t frame_base, bool write) {
  if (!ram_.contains(frame_base, kPageSize)) return nullptr;
  if (direct_[frame_base >> kPageShift] & (write ? kDirectWrite : kDirectRead))
    return ram_.ptr(frame_base);
  for (auto& m : mmio_)
    if (frame_base < m.base + m.size && m.base < frame_base + kPageSize) return nullptr;
  if (write)
    for (auto& [b, s] : rom_)
      if (frame_base < b + s && b < frame_base + kPageSize) return nullptr;
  return ram_.ptr(frame_base);
}

bool Bus::overlaps_mmio(paddr_t addr, unsigned size) const {
  for (const auto& m : mmio_)
    if (addr < m.base + m.size && m.base < addr + size) return true;
  return false;
}

bool Bus::overlaps_rom(paddr_t addr, unsigned size) const {
  for (const auto& [b, n] : rom_)
    if (addr < b + n && b < addr + size) return true;
  return false;
}

uint32_t Bus::read_slow(paddr_t addr, unsigned size) {
  if (ram_.contains(addr, size) && !overlaps_mmio(addr, size)) {
    uint32_t v = 0;
    std::memcpy(&v, ram_.ptr(addr), size);
    return v;
  }
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    paddr_t a = addr + i;
    uint32_t b;
    if (Mmio* m = find_mmio(a)) {
      // Device registers are accessed whole when the access starts inside the region.
      if (i == 0 && a + size <= m->base + m->size) return m->dev->read(a - m->base, size);
      b = m->dev->read(a - m->base, 1) & 0xff;
    } else if (ram_.contains(a)) {
      b = *ram_.ptr(a);
    } else {
      b = 0xff;  // open bus
    }
    v |= b << (8 * i);
  }
  return v;
}

void Bus::write_slow(paddr_t addr, unsigned size, uint32_t value) {
  if (ram_.contains(addr, size) && !overlaps_mmio(addr, size) && !overlaps_rom(addr, size)) {
    std::memcpy(ram_.ptr(addr), &value, size);
    note_write(addr, size);
    return;
  }
  for (unsigned i = 0; i < size; ++i) {
    paddr_t a = addr + i;
    if (Mmio* m = find_mmio(a)) {
      if (i == 0 && a + size <= m->base + m->size) {
        m->dev->write(a - m->base, size, value);
        return;
      }
      m->dev->write(a - m->base, 1, (value >> (8 * i)) & 0xff);
    } else if (ram_.contains(a) && !is_rom(a)) {
      *ram_.ptr(a) = uint8_t(value >> (8 * i));
      note_write(a, 1);
    }
  }
}

bool Bus::peek(paddr_t addr, uint8_t& out) const {
  if (!ram_.contains(addr)) return false;
  out = *ram_.ptr(addr);
  return true;
}

bool Bus::poke(paddr_t addr, uint8_t value) {
  if (!ram_.contains(addr)) return false;
  *ram_.ptr(addr) = value;
  note_write(addr, 1);
  return true;
}

void Bus::code_written_slow(paddr_t addr, unsigned size) {
  if (code_listener_) code_listener_->code_written(addr, size);
}

uint32_t Bus::port_in(uint16_t port, unsigned size) {
  uint32_t v;
  if (PortDevice* d = ports_[port]) {
    v = d->in(port, size);
  } else {
    if (!unknown_seen_[port]) {
      unknown_seen_[port] = 1;
      unknown_ports_.push_back(port);
    }
    v = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
  }
  if (port_observer_) port_observer_->port_access(port, size, v, false);
  return v;
}

void Bus::port_out(uint16_t port, unsigned size, uint32_t value) {
  if (port_observer_) port_observer_->port_access(port, size, value, true);
  if (PortDevice* d = ports_[port]) {
    d->out(port, size, value);
    return;
  }
  if (!unknown_seen_[port]) {
    unknown_seen_[port] = 1;
    unknown_ports_.push_back(port);
  }
}

}  // namespace pvlab
