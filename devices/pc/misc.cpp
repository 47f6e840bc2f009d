#include "devices/pc/misc.h"

namespace pvlab {

// ---- POST codes --------------------------------------------------------------------------------

void PostCodes::map(Bus& bus) {
  bus.map_ports(0x80, 1, this);
  bus.map_ports(0x190, 1, this);
}

uint32_t PostCodes::in(uint16_t port, unsigned size) {
  // Reads return the last code written, as many chipsets' POST latch does.
  uint32_t v = last_[port == 0x190];
  return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

void PostCodes::out(uint16_t port, unsigned size, uint32_t value) {
  PostCode c;
  c.cycle = clock_.now();
  c.port = port;
  c.size = uint8_t(size);
  c.value = size == 4 ? value : value & ((1u << (8 * size)) - 1);
  last_[port == 0x190] = c.value;
  ++total_;
  if (codes_.size() == kKept) codes_.pop_front();
  codes_.push_back(c);
  if (listener_) listener_(c);
}

void PostCodes::save(StateWriter& w) const {
  w.tag("POST");
  w.u64(total_);
  w.u32(last_[0]);
  w.u32(last_[1]);
  w.u32(uint32_t(codes_.size()));
  for (const PostCode& c : codes_) {
    w.u64(c.cycle);
    w.u16(c.port);
    w.u8(c.size);
    w.u32(c.value);
  }
}

bool PostCodes::load(StateReader& r) {
  if (!r.tag("POST")) return false;
  uint64_t total = r.u64();
  uint32_t last0 = r.u32(), last1 = r.u32();
  uint32_t n = r.u32();
  if (!r.ok() || !r.check(n <= kKept, "more POST codes than are kept")) return false;
  std::deque<PostCode> codes;
  for (uint32_t i = 0; i < n; ++i) {
    PostCode c;
    c.cycle = r.u64();
    c.port = r.u16();
    c.size = r.u8();
    c.value = r.u32();
    codes.push_back(c);
  }
  if (!r.ok()) return false;
  total_ = total;
  last_[0] = last0;
  last_[1] = last1;
  codes_ = std::move(codes);
  return true;
}

// ---- port 0x92 and the 8042 ------------------------------------------------------------------

namespace {
constexpr size_t kMaxOutput = 16;
constexpr uint8_t kStatusObf = 0x01, kStatusSystem = 0x04, kStatusCommand = 0x08,
                  kStatusUnlocked = 0x10;
}  // namespace

SystemPorts::SystemPorts(IrqLine irq1) : irq1_(irq1) {}

void SystemPorts::map(Bus& bus) {
  bus.map_ports(0x60, 1, this);
  bus.map_ports(0x64, 1, this);
  bus.map_ports(0x92, 1, this);
}

void SystemPorts::reset() {
  if (on_reset_) on_reset_();
}

void SystemPorts::set_a20_sources(uint8_t port92, uint8_t output_port) {
  const bool before = a20_enabled();
  port92_ = port92;
  output_port_ = output_port;
  if (a20_enabled() != before && on_a20_) on_a20_(a20_enabled());
}

void SystemPorts::set_output_port(uint8_t v) {
  set_a20_sources(port92_, v);
  if (!(v & 0x01)) reset();   // the reset line is active low
}

void SystemPorts::reply(uint8_t v, bool from_keyboard) {
  if (obuf_.size() >= kMaxOutput) return;
  obuf_.push_back(v);
  if (from_keyboard && (command_byte_ & 0x01)) irq1_.pulse();
}

uint8_t SystemPorts::in8(uint16_t port) {
  switch (port) {
    case 0x60:
      if (!obuf_.empty()) {
        last_read_ = obuf_.front();
        obuf_.pop_front();
        if (!obuf_.empty() && (command_byte_ & 0x01)) irq1_.pulse();
      }
      return last_read_;
    case 0x64:
      // The input buffer is never full: the controller takes every byte at once.
      return uint8_t((obuf_.empty() ? 0 : kStatusObf) | kStatusSystem |
                     (last_was_command_ ? kStatusCommand : 0) | kStatusUnlocked);
    case 0x92: return port92_;
    default: return 0xff;
  }
}

void SystemPorts::out8(uint16_t port, uint8_t v) {
  switch (port) {
    case 0x60:
      last_was_command_ = false;
      kbc_data(v);
      break;
    case 0x64:
      last_was_command_ = true;
      kbc_command(v);
      break;
    case 0x92: {
      const bool fast_reset = (v & 0x01) && !(port92_ & 0x01);
      set_a20_sources(v & 0x03, output_port_);
      if (fast_reset) reset();
      break;
    }
    default: break;
  }
}

void SystemPorts::kbc_command(uint8_t cmd) {
  pending_ = 0;
  switch (cmd) {
    case 0x20: reply(command_byte_, false); break;
    case 0x60:
    case 0xd1:
    case 0xd2:
    case 0xd3:
    case 0xd4: pending_ = cmd; break;
    case 0xa7: command_byte_ |= 0x20; break;            // disable the aux port
    case 0xa8: command_byte_ &= uint8_t(~0x20); break;
    case 0xa9: reply(0x00, false); break;                // aux interface test: passed
    case 0xaa: reply(0x55, false); break;                // controller self test: passed
    case 0xab: reply(0x00, false); break;                // keyboard interface test: passed
    case 0xad: command_byte_ |= 0x10; break;            // disable the keyboard
    case 0xae: command_byte_ &= uint8_t(~0x10); break;
    case 0xc0: reply(0x80, false); break;                // input port: keyboard not locked
    case 0xd0: reply(output_port_, false); break;
    case 0xdd: set_a20_sources(port92_, output_port_ & uint8_t(~0x02)); break;
    case 0xdf: set_a20_sources(port92_, output_port_ | 0x02); break;
    default:
      // 0xF0-0xFF pulse the output port lines whose command bits are 0; bit 0 is reset.
      if (cmd >= 0xf0 && !(cmd & 0x01)) reset();
      break;
  }
}

void SystemPorts::kbc_data(uint8_t v) {
  const uint8_t cmd = pending_;
  pending_ = 0;
  switch (cmd) {
    case 0x60: command_byte_ = v; break;
    case 0xd1: set_output_port(v); break;
    case 0xd2: reply(v, true); break;   // as if the keyboard had sent it
    case 0xd3:
    case 0xd4: break;                   // there is no aux device
    default: keyboard_byte(v); break;
  }
}

void SystemPorts::keyboard_byte(uint8_t v) {
  switch (v) {
    case 0xee: reply(0xee, true); break;                       // echo
    case 0xff: reply(0xfa, true); reply(0xaa, true); break;    // reset: ack, self test passed
    case 0xf2: reply(0xfa, true); reply(0xab, true); reply(0x83, true); break;   // identify
    default: reply(0xfa, true); break;                         // everything else: ack
  }
}

void SystemPorts::save(StateWriter& w) const {
  w.tag("SYSP");
  w.u8(port92_);
  w.u8(output_port_);
  w.u8(command_byte_);
  w.u8(pending_);
  w.boolean(last_was_command_);
  w.u8(last_read_);
  w.u8(uint8_t(obuf_.size()));
  for (uint8_t b : obuf_) w.u8(b);
}

bool SystemPorts::load(StateReader& r) {
  if (!r.tag("SYSP")) return false;
  uint8_t p92 = r.u8() & 0x03, out = r.u8(), cmd = r.u8(), pending = r.u8();
  bool last_cmd = r.boolean();
  uint8_t last_read = r.u8();
  uint8_t n = r.u8();
  if (!r.ok() || !r.check(n <= kMaxOutput, "8042 output buffer too long")) return false;
  std::deque<uint8_t> ob;
  for (unsigned i = 0; i < n; ++i) ob.push_back(r.u8());
  if (!r.ok()) return false;
  command_byte_ = cmd;
  pending_ = pending;
  last_was_command_ = last_cmd;
  last_read_ = last_read;
  obuf_ = std::move(ob);
  set_a20_sources(p92, out);
  return true;
}

}  // namespace pvlab
