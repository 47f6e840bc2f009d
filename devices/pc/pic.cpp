#include "devices/pc/pic.h"

namespace pvlab {

namespace {
constexpr unsigned kCascadeLine = 2;
}  // namespace

int Pic8259::highest(uint8_t bits) const {
  if (!bits) return -1;
  for (unsigned k = 0; k < 8; ++k) {
    unsigned line = (lowest + 1 + k) & 7;
    if (bits >> line & 1) return int(line);
  }
  return -1;
}

int Pic8259::deliverable(bool cascade_master) const {
  if (init_step != 0) return -1;
  int req = highest(uint8_t(irr & ~imr));
  if (req < 0) return -1;
  // In special mask mode a masked in-service level does not hold back anything.
  int srv = highest(special_mask ? uint8_t(isr & ~imr) : isr);
  if (srv < 0 || rank(unsigned(req)) < rank(unsigned(srv))) return req;
  // Special fully nested mode: a slave may interrupt again while its line is in service.
  if (cascade_master && sfnm && req == srv && !single && (icw3 >> req & 1)) return req;
  return -1;
}

Pic::Pic() {
  chip_[0].elcr_mask = 0xf8;   // IRQ 0-2 are always edge triggered
  chip_[1].elcr_mask = 0xde;   // so are IRQ 8 and IRQ 13
  reset();
}

void Pic::map(Bus& bus) {
  bus.map_ports(0x20, 2, this);
  bus.map_ports(0xa0, 2, this);
  bus.map_ports(0x4d0, 2, this);
}

void Pic::reset() {
  static const uint8_t kBase[2] = {0x08, 0x70};
  static const uint8_t kIcw3[2] = {1u << kCascadeLine, kCascadeLine};
  for (unsigned c = 0; c < 2; ++c) {
    Pic8259& p = chip_[c];
    uint8_t elcr_mask = p.elcr_mask;
    uint8_t input = p.input;
    p = Pic8259{};
    p.elcr_mask = elcr_mask;
    p.input = input;
    p.base = kBase[c];
    p.icw3 = kIcw3[c];
    p.need_icw4 = true;
    p.icw4 = 0x01;
    p.imr = c == 0 ? uint8_t(~(1u << kCascadeLine)) : 0xff;
  }
  sync_cascade();
}

void Pic::set_irq(unsigned irq, bool level) {
  if (irq >= 16 || irq == kCascadeLine) return;
  Pic8259& p = chip_[irq >> 3];
  const unsigned line = irq & 7;
  const uint8_t bit = uint8_t(1u << line);
  const bool was = p.input & bit;
  if (level) p.input |= bit;
  else p.input &= uint8_t(~bit);
  if (p.level_triggered(line)) {
    if (level) p.irr |= bit;
    else p.irr &= uint8_t(~bit);
  } else if (level && !was) {
    p.irr |= bit;
  }
  if (irq >= 8) sync_cascade();
}

void Pic::sync_cascade() {
  Pic8259& m = chip_[0];
  if (m.single) return;
  const uint8_t bit = 1u << kCascadeLine;
  if (chip_[1].deliverable(false) >= 0) m.irr |= bit;
  else m.irr &= uint8_t(~bit);
}

int Pic::take(unsigned c) {
  Pic8259& p = chip_[c];
  int line = p.deliverable(c == 0);
  if (line < 0) return -1;
  const uint8_t bit = uint8_t(1u << line);
  if (!p.level_triggered(unsigned(line))) p.irr &= uint8_t(~bit);
  if (p.auto_eoi) {
    if (p.rotate_aeoi) p.lowest = uint8_t(line);
  } else {
    p.isr |= bit;
  }
  return line;
}

uint8_t Pic::acknowledge() {
  Pic8259& m = chip_[0];
  int line = take(0);
  if (line < 0) return uint8_t(m.base | 7);
  uint8_t vec;
  if (!m.single && (m.icw3 >> line & 1)) {
    int sl = take(1);
    vec = sl < 0 ? uint8_t(chip_[1].base | 7) : uint8_t(chip_[1].base | sl);
    sync_cascade();
  } else {
    vec = uint8_t(m.base | line);
  }
  return vec;
}

// ---- port I/O ----------------------------------------------------------------------------------

uint8_t Pic::in8(uint16_t port) {
  switch (port) {
    case 0x20: return read_command(0);
    case 0xa0: return read_command(1);
    case 0x21:
    case 0xa1: {
      const unsigned c = port == 0xa1;
      if (chip_[c].poll) return read_command(c);
      return chip_[c].imr;
    }
    case 0x4d0: return chip_[0].elcr;
    case 0x4d1: return chip_[1].elcr;
    default: return 0xff;
  }
}

void Pic::out8(uint16_t port, uint8_t v) {
  switch (port) {
    case 0x20: write_command(0, v); break;
    case 0xa0: write_command(1, v); break;
    case 0x21: write_data(0, v); break;
    case 0xa1: write_data(1, v); break;
    case 0x4d0:
    case 0x4d1: {
      Pic8259& p = chip_[port & 1];
      p.elcr = v & p.elcr_mask;
      // A line that became level triggered asks while it is high; one that became edge
      // triggered keeps what it latched.
      for (unsigned line = 0; line < 8; ++line)
        if (p.level_triggered(line)) {
          const uint8_t bit = uint8_t(1u << line);
          p.irr = uint8_t((p.irr & ~bit) | (p.input & bit));
        }
      break;
    }
    default: break;
  }
  sync_cascade();
}

uint8_t Pic::read_command(unsigned c) {
  Pic8259& p = chip_[c];
  if (p.poll) {
    // A poll is an acknowledge without INTA: bit 7 says whether there was a request.
    p.poll = false;
    int line = take(c);
    sync_cascade();
    return line < 0 ? 0 : uint8_t(0x80 | line);
  }
  return p.read_isr ? p.isr : p.irr;
}

void Pic::write_command(unsigned c, uint8_t v) {
  Pic8259& p = chip_[c];
  if (v & 0x10) {
    // ICW1: start initialization.
    p.init_step = 2;
    p.need_icw4 = v & 0x01;
    p.single = v & 0x02;
    p.ltim = v & 0x08;
    p.imr = 0;
    p.isr = 0;
    p.lowest = 7;
    p.special_mask = false;
    p.read_isr = false;
    p.poll = false;
    p.rotate_aeoi = false;
    if (!p.need_icw4) {
      p.icw4 = 0;
      p.x86 = false;
      p.auto_eoi = false;
      p.sfnm = false;
    }
    // The edge detectors restart: an input already high must fall and rise again; level
    // inputs ask while they are high.
    p.irr = 0;
    for (unsigned line = 0; line < 8; ++line)
      if (p.level_triggered(line)) p.irr |= p.input & uint8_t(1u << line);
    return;
  }
  if (v & 0x08) {
    // OCW3.
    if (v & 0x04) p.poll = true;
    if (v & 0x02) p.read_isr = v & 0x01;
    if (v & 0x40) p.special_mask = v & 0x20;
    return;
  }
  // OCW2: bits 7-5 are R, SL, EOI; bits 2-0 the level.
  const unsigned level = v & 7;
  switch (v >> 5) {
    case 0: p.rotate_aeoi = false; break;                       // clear rotate in AEOI
    case 4: p.rotate_aeoi = true; break;                        // set rotate in AEOI
    case 1:                                                     // non-specific EOI
    case 5: {                                                   // ... and rotate
      int line = p.highest(p.isr);
      if (line >= 0) {
        p.isr &= uint8_t(~(1u << line));
        if (v >> 5 == 5) p.lowest = uint8_t(line);
      }
      break;
    }
    case 3:                                                     // specific EOI
    case 7:                                                     // ... and rotate
      p.isr &= uint8_t(~(1u << level));
      if (v >> 5 == 7) p.lowest = uint8_t(level);
      break;
    case 6: p.lowest = uint8_t(level); break;                   // set priority
    default: break;                                             // 2: no operation
  }
}

void Pic::write_data(unsigned c, uint8_t v) {
  Pic8259& p = chip_[c];
  switch (p.init_step) {
    case 0: p.imr = v; return;                                  // OCW1
    case 2:                                                     // ICW2
      p.base = v & 0xf8;
      p.init_step = p.single ? (p.need_icw4 ? 4 : 0) : 3;
      return;
    case 3:                                                     // ICW3
      p.icw3 = v;
      p.init_step = p.need_icw4 ? 4 : 0;
      return;
    case 4:                                                     // ICW4
      p.icw4 = v;
      p.x86 = v & 0x01;
      p.auto_eoi = v & 0x02;
      p.sfnm = v & 0x10;
      p.init_step = 0;
      return;
    default: p.init_step = 0; return;
  }
}

// ---- state -------------------------------------------------------------------------------------

void Pic::save(StateWriter& w) const {
  w.tag("PIC0");
  for (const Pic8259& p : chip_) {
    w.u8(p.irr);
    w.u8(p.isr);
    w.u8(p.imr);
    w.u8(p.input);
    w.u8(p.elcr);
    w.u8(p.base);
    w.u8(p.icw3);
    w.u8(p.lowest);
    w.u8(p.init_step);
    w.u8(p.icw4);
    w.boolean(p.single);
    w.boolean(p.need_icw4);
    w.boolean(p.ltim);
    w.boolean(p.x86);
    w.boolean(p.auto_eoi);
    w.boolean(p.sfnm);
    w.boolean(p.rotate_aeoi);
    w.boolean(p.special_mask);
    w.boolean(p.read_isr);
    w.boolean(p.poll);
  }
}

bool Pic::load(StateReader& r) {
  if (!r.tag("PIC0")) return false;
  Pic8259 tmp[2] = {chip_[0], chip_[1]};
  for (Pic8259& p : tmp) {
    p.irr = r.u8();
    p.isr = r.u8();
    p.imr = r.u8();
    p.input = r.u8();
    p.elcr = r.u8() & p.elcr_mask;
    p.base = r.u8() & 0xf8;
    p.icw3 = r.u8();
    p.lowest = r.u8() & 7;
    p.init_step = r.u8();
    p.icw4 = r.u8();
    p.single = r.boolean();
    p.need_icw4 = r.boolean();
    p.ltim = r.boolean();
    p.x86 = r.boolean();
    p.auto_eoi = r.boolean();
    p.sfnm = r.boolean();
    p.rotate_aeoi = r.boolean();
    p.special_mask = r.boolean();
    p.read_isr = r.boolean();
    p.poll = r.boolean();
    r.check(p.init_step == 0 || (p.init_step >= 2 && p.init_step <= 4),
            "8259 initialization step out of range");
  }
  if (!r.ok()) return false;
  chip_[0] = tmp[0];
  chip_[1] = tmp[1];
  return true;
}

}  // namespace pvlab
