// A 16550A UART (COM1 at 0x3F8-0x3FF, IRQ 4 by default). Bytes the guest transmits go to a
// sink callback; bytes it receives come from the machine's InputQueue (source
// input_source::kCom1 by default), taken as soon as their stamp is due and the receive FIFO
// has room, so nothing typed is ever dropped and a replay takes them at the same cycles.
//
// Modelled: RBR/THR, IER, IIR with the 16550's priorities (line status > received data >
// character timeout > THR empty > modem status) and their clearing rules, FCR (FIFO enable,
// clear, receive trigger level 1/4/8/14), LCR with DLAB and the divisor latch, MCR (DTR, RTS,
// OUT1, OUT2, loopback), LSR (data ready, overrun, THRE, TEMT), MSR with delta bits, and the
// scratch register. The character timeout fires four character times (from the divisor and
// LCR) after the last receive or read. The PC gates the interrupt with OUT2: IRQ 4 is
// asserted only while MCR.OUT2 is set and loopback is off (the loopback pins are inactive).
// In loopback mode transmitted bytes are received back and MSR mirrors MCR.
// Not modelled: transmit timing (a byte written to THR is sent at once, so THRE and TEMT
// read 1), parity/framing errors and break (nothing on the host side produces them), the
// transmit FIFO's fill level.
#pragma once
#include <cstdint>
#include <functional>

#include "devices/clock.h"
#include "devices/input_queue.h"
#include "devices/irq.h"
#include "devices/pc/byte_ports.h"
#include "devices/state_io.h"

namespace pvlab {

namespace uart {
// Register bits used by the device and its tests.
constexpr uint8_t kIerRda = 0x01, kIerThre = 0x02, kIerRls = 0x04, kIerMsi = 0x08;
constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrPe = 0x04, kLsrFe = 0x08, kLsrBi = 0x10,
                  kLsrThre = 0x20, kLsrTemt = 0x40, kLsrFifoErr = 0x80;
constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08,
                  kMcrLoop = 0x10;
constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
constexpr uint8_t kIirNone = 0x01, kIirMsi = 0x00, kIirThre = 0x02, kIirRda = 0x04,
                  kIirRls = 0x06, kIirTimeout = 0x0c, kIirFifo = 0xc0;
}  // namespace uart

struct UartConfig {
  uint16_t base = 0x3f8;
  uint16_t input_source = input_source::kCom1;
  // Levels of the modem inputs when not in loopback (MSR bits 4-7): a terminal that is
  // connected and ready.
  uint8_t modem_inputs = uart::kMsrCts | uart::kMsrDsr | uart::kMsrDcd;
};

// The UART's registers and FIFO, as plain data.
struct UartState {
  uint8_t ier = 0, lcr = 0, mcr = 0, scr = 0;
  uint8_t dll = 12, dlm = 0;    // divisor 12: 9600 baud
  uint8_t fcr = 0;              // bits 0 and 6-7 as last written
  uint8_t lsr_err = 0;          // sticky OE/PE/FE/BI bits
  uint8_t msr_delta = 0;        // MSR bits 0-3
  uint8_t rx[16] = {};
  uint8_t rx_head = 0, rx_count = 0;
  bool thre_pending = false;    // the THR-empty interrupt is waiting
  bool timeout_pending = false; // the character-timeout interrupt is waiting
  uint64_t last_rx = 0;         // cycle of the last receive or RBR read
};

class Uart16550 final : public BytePorts {
 public:
  using Sink = std::function<void(uint8_t)>;
  static constexpr uint64_t kClockHz = 1843200;   // the PC's UART crystal

  // `input` may be null (nothing is ever received but loopback).
  Uart16550(DeviceClock& clock, IrqLine irq, InputQueue* input, Sink sink,
            const UartConfig& cfg = {});

  // Ports base..base+7.
  void map(Bus& bus);
  void reset();

  // Look at the input queue again (the queue's push listener calls this).
  void input_ready();

  const UartState& state() const { return s_; }
  uint8_t iir() const;   // what IIR would read, without side effects
  uint8_t lsr() const;
  bool irq_asserted() const;
  // Cycles one character takes at the current divisor and line format.
  uint64_t char_cycles() const;

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 protected:
  uint8_t in8(uint16_t port) override;
  void out8(uint16_t port, uint8_t value) override;

 private:
  bool loopback() const { return s_.mcr & uart::kMcrLoop; }
  bool fifo() const { return s_.fcr & 1; }
  unsigned capacity() const { return fifo() ? 16 : 1; }
  unsigned trigger() const;
  uint8_t modem_lines(uint8_t mcr) const;   // MSR bits 4-7 for a given MCR
  void receive(uint8_t b);
  uint8_t pop_rx();
  void pull_input();
  void schedule_rx();
  void arm_timeout();
  void transmit(uint8_t b);
  void set_mcr(uint8_t v);
  void update_irq();

  DeviceClock& clock_;
  IrqLine irq_;
  InputQueue* input_;
  Sink sink_;
  UartConfig cfg_;
  DeviceClock::TimerId rx_timer_, timeout_timer_;
  UartState s_;
};

}  // namespace pvlab
