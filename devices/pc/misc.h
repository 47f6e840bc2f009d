// Small PC ports: POST code capture, and the two ways a PC gates address line 20 and resets
// itself (system control port A at 0x92 and the 8042 keyboard controller at 0x60/0x64).
//
// PostCodes keeps what the guest writes to port 0x80 (the classic POST display; Linux also
// uses it as an I/O delay, so only the most recent codes are kept) and to port 0x190.
//
// SystemPorts: port 0x92 bit 1 enables A20 and a 0->1 write of bit 0 resets the machine
// (fast reset). The 8042 is modelled far enough for A20 and reset: its status register
// always reports an empty input buffer (ready), command 0xD1 writes the output port (bit 1
// A20, bit 0 low resets), 0xD0 reads it, 0xDD/0xDF disable/enable A20, 0xF0-0xFF pulse output
// lines (0xFE resets), 0x20/0x60 read and write the command byte, 0xAA/0xAB/0xA9 self tests
// answer "passed", 0xAD/0xAE/0xA7/0xA8 keep the enable bits. Bytes written to port 0x60
// outside a command go to a keyboard that acknowledges (0xFA; reset adds 0xAA, identify adds
// 0xAB 0x83, echo answers 0xEE); no keys are ever pressed and there is no mouse.
// A20 is enabled while either port 0x92 bit 1 or the 8042's output port bit 1 is set. After
// construction A20 is enabled through the 8042, as a BIOS leaves it.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "devices/clock.h"
#include "devices/irq.h"
#include "devices/pc/byte_ports.h"
#include "devices/state_io.h"

namespace pvlab {

struct PostCode {
  uint64_t cycle = 0;
  uint16_t port = 0;
  uint8_t size = 1;
  uint32_t value = 0;
};

class PostCodes final : public PortDevice {
 public:
  static constexpr size_t kKept = 1024;

  explicit PostCodes(DeviceClock& clock) : clock_(clock) {}
  // Ports 0x80 and 0x190.
  void map(Bus& bus);

  // The most recent codes, oldest first.
  const std::deque<PostCode>& codes() const { return codes_; }
  uint64_t total() const { return total_; }   // every code ever written
  void clear() { codes_.clear(); }
  // Told of every code as it is written (the frontend may print them live).
  void set_listener(std::function<void(const PostCode&)> f) { listener_ = std::move(f); }

  uint32_t in(uint16_t port, unsigned size) override;
  void out(uint16_t port, unsigned size, uint32_t value) override;

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  DeviceClock& clock_;
  std::deque<PostCode> codes_;
  uint64_t total_ = 0;
  uint32_t last_[2] = {};   // last values written to 0x80 and 0x190
  std::function<void(const PostCode&)> listener_;
};

class SystemPorts final : public BytePorts {
 public:
  using A20Listener = std::function<void(bool enabled)>;
  using ResetListener = std::function<void()>;

  // `irq1` is raised when the keyboard side puts a byte in the output buffer and the command
  // byte enables its interrupt (optional).
  explicit SystemPorts(IrqLine irq1 = {});

  // Ports 0x60, 0x64 and 0x92.
  void map(Bus& bus);

  // Told whenever the A20 gate changes; the machine sets its address mask from it.
  void set_a20_listener(A20Listener f) { on_a20_ = std::move(f); }
  // Told when the guest resets the machine (port 0x92 bit 0, 8042 0xFE, output port bit 0).
  void set_reset_listener(ResetListener f) { on_reset_ = std::move(f); }
  bool a20_enabled() const { return (port92_ & 0x02) || (output_port_ & 0x02); }

  uint8_t port92() const { return port92_; }
  uint8_t output_port() const { return output_port_; }
  uint8_t command_byte() const { return command_byte_; }

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 protected:
  uint8_t in8(uint16_t port) override;
  void out8(uint16_t port, uint8_t value) override;

 private:
  void kbc_command(uint8_t cmd);
  void kbc_data(uint8_t v);
  void keyboard_byte(uint8_t v);
  void reply(uint8_t v, bool from_keyboard);
  void set_output_port(uint8_t v);
  void set_a20_sources(uint8_t port92, uint8_t output_port);
  void reset();

  IrqLine irq1_;
  A20Listener on_a20_;
  ResetListener on_reset_;
  uint8_t port92_ = 0;
  uint8_t output_port_ = 0xc3;    // keyboard clock/data high, A20 on, reset inactive
  uint8_t command_byte_ = 0x45;   // translation, system flag, keyboard interrupt
  uint8_t pending_ = 0;           // command waiting for its data byte (0: none)
  bool last_was_command_ = false; // status bit 3
  std::deque<uint8_t> obuf_;      // bytes waiting to be read from port 0x60
  uint8_t last_read_ = 0;
};

}  // namespace pvlab
