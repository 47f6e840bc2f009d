#include "devices/pc/uart16550.h"

#include <cstdio>

namespace pvlab {

using namespace uart;

Uart16550::Uart16550(DeviceClock& clock, IrqLine irq, InputQueue* input, Sink sink,
                     const UartConfig& cfg)
    : clock_(clock), irq_(irq), input_(input), sink_(std::move(sink)), cfg_(cfg) {
  char name[32];
  std::snprintf(name, sizeof name, "uart%x.rx", cfg_.base);
  rx_timer_ = clock_.add_timer(name, [this](uint64_t) { pull_input(); });
  std::snprintf(name, sizeof name, "uart%x.timeout", cfg_.base);
  timeout_timer_ = clock_.add_timer(name, [this](uint64_t) {
    if (fifo() && s_.rx_count) s_.timeout_pending = true;
    update_irq();
  });
  if (input_) input_->set_listener(cfg_.input_source, [this] { input_ready(); });
  reset();
}

void Uart16550::map(Bus& bus) { bus.map_ports(cfg_.base, 8, this); }

void Uart16550::reset() {
  s_ = UartState{};
  clock_.disarm(timeout_timer_);
  schedule_rx();
  update_irq();
}

// ---- derived registers -------------------------------------------------------------------------

unsigned Uart16550::trigger() const {
  static const unsigned kLevels[4] = {1, 4, 8, 14};
  return fifo() ? kLevels[s_.fcr >> 6] : 1;
}

uint8_t Uart16550::modem_lines(uint8_t mcr) const {
  if (!(mcr & kMcrLoop)) return cfg_.modem_inputs & 0xf0;
  // Loopback: RTS -> CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD.
  return uint8_t((mcr & kMcrRts ? kMsrCts : 0) | (mcr & kMcrDtr ? kMsrDsr : 0) |
                 (mcr & kMcrOut1 ? kMsrRi : 0) | (mcr & kMcrOut2 ? kMsrDcd : 0));
}

uint8_t Uart16550::lsr() const {
  uint8_t v = kLsrThre | kLsrTemt | s_.lsr_err;
  if (s_.rx_count) v |= kLsrDr;
  return v;
}

uint8_t Uart16550::iir() const {
  const uint8_t fifo_bits = fifo() ? kIirFifo : 0;
  if ((s_.ier & kIerRls) && (s_.lsr_err & (kLsrOe | kLsrPe | kLsrFe | kLsrBi)))
    return kIirRls | fifo_bits;
  if ((s_.ier & kIerRda) && s_.rx_count >= trigger()) return kIirRda | fifo_bits;
  if ((s_.ier & kIerRda) && s_.timeout_pending) return kIirTimeout | fifo_bits;
  if ((s_.ier & kIerThre) && s_.thre_pending) return kIirThre | fifo_bits;
  if ((s_.ier & kIerMsi) && s_.msr_delta) return kIirMsi | fifo_bits;
  return kIirNone | fifo_bits;
}

bool Uart16550::irq_asserted() const {
  return !(iir() & kIirNone) && (s_.mcr & kMcrOut2) && !loopback();
}

void Uart16550::update_irq() { irq_.set(irq_asserted()); }

uint64_t Uart16550::char_cycles() const {
  uint32_t divisor = s_.dll | uint32_t(s_.dlm) << 8;
  if (divisor == 0) divisor = 0x10000;
  // Start bit, 5-8 data bits, optional parity, 1 or 2 stop bits.
  const unsigned bits = 1 + 5 + (s_.lcr & 3) + (s_.lcr & 0x08 ? 1 : 0) + (s_.lcr & 0x04 ? 2 : 1);
  return clock_.cycles_for(uint64_t(bits) * 16 * divisor, kClockHz);
}

// ---- receive -----------------------------------------------------------------------------------

void Uart16550::receive(uint8_t b) {
  if (s_.rx_count >= capacity()) {
    s_.lsr_err |= kLsrOe;  // the character in the shift register is lost
    return;
  }
  s_.rx[(s_.rx_head + s_.rx_count) & 15] = b;
  ++s_.rx_count;
  s_.last_rx = clock_.now();
  s_.timeout_pending = false;
  arm_timeout();
}

uint8_t Uart16550::pop_rx() {
  if (!s_.rx_count) return 0;
  uint8_t b = s_.rx[s_.rx_head];
  s_.rx_head = (s_.rx_head + 1) & 15;
  --s_.rx_count;
  s_.last_rx = clock_.now();
  s_.timeout_pending = false;
  arm_timeout();
  return b;
}

void Uart16550::arm_timeout() {
  if (fifo() && s_.rx_count) clock_.arm(timeout_timer_, s_.last_rx + 4 * char_cycles());
  else clock_.disarm(timeout_timer_);
}

void Uart16550::pull_input() {
  if (input_ && !loopback()) {
    uint8_t buf[16];
    const unsigned room = capacity() - s_.rx_count;
    const size_t n = room ? input_->pull(cfg_.input_source, clock_.now(), buf, room) : 0;
    for (size_t i = 0; i < n; ++i) receive(buf[i]);
  }
  schedule_rx();
  update_irq();
}

void Uart16550::schedule_rx() {
  // With a full FIFO the next RBR read pulls; otherwise wake up when the next entry is due.
  const uint64_t next = input_ ? input_->next_stamp(cfg_.input_source) : InputQueue::kNone;
  if (next == InputQueue::kNone || loopback() || s_.rx_count >= capacity())
    clock_.disarm(rx_timer_);
  else
    clock_.arm(rx_timer_, next);
}

void Uart16550::input_ready() { schedule_rx(); }

// ---- transmit and modem control ----------------------------------------------------------------

void Uart16550::transmit(uint8_t b) {
  if (loopback()) receive(b);
  else if (sink_) sink_(b);
  // The byte leaves at once, so THR is empty again.
  s_.thre_pending = true;
}

void Uart16550::set_mcr(uint8_t v) {
  const uint8_t before = modem_lines(s_.mcr);
  s_.mcr = v & 0x1f;
  const uint8_t after = modem_lines(s_.mcr);
  const uint8_t changed = before ^ after;
  if (changed & kMsrCts) s_.msr_delta |= 0x01;
  if (changed & kMsrDsr) s_.msr_delta |= 0x02;
  if ((before & kMsrRi) && !(after & kMsrRi)) s_.msr_delta |= 0x04;  // trailing edge of RI
  if (changed & kMsrDcd) s_.msr_delta |= 0x08;
  schedule_rx();
}

// ---- port I/O ----------------------------------------------------------------------------------

uint8_t Uart16550::in8(uint16_t port) {
  pull_input();
  const bool dlab = s_.lcr & 0x80;
  uint8_t v = 0xff;
  switch (port - cfg_.base) {
    case 0:
      if (dlab) return s_.dll;
      v = pop_rx();
      pull_input();
      break;
    case 1: return dlab ? s_.dlm : s_.ier;
    case 2:
      v = iir();
      // Reading IIR while it reports THR empty acknowledges that interrupt.
      if ((v & 0x0f) == kIirThre) s_.thre_pending = false;
      break;
    case 3: return s_.lcr;
    case 4: return s_.mcr;
    case 5:
      v = lsr();
      s_.lsr_err = 0;
      break;
    case 6:
      v = uint8_t(s_.msr_delta | modem_lines(s_.mcr));
      s_.msr_delta = 0;
      break;
    case 7: return s_.scr;
    default: return 0xff;
  }
  update_irq();
  return v;
}

void Uart16550::out8(uint16_t port, uint8_t v) {
  const bool dlab = s_.lcr & 0x80;
  switch (port - cfg_.base) {
    case 0:
      if (dlab) {
        s_.dll = v;
        arm_timeout();
        break;
      }
      s_.thre_pending = false;
      transmit(v);
      break;
    case 1:
      if (dlab) {
        s_.dlm = v;
        arm_timeout();
        break;
      }
      // Enabling the THR-empty interrupt while THR is empty raises it at once.
      if ((v & kIerThre) && !(s_.ier & kIerThre)) s_.thre_pending = true;
      s_.ier = v & 0x0f;
      break;
    case 2: {
      const bool was = fifo();
      if ((v & 1) != was) {
        s_.rx_count = 0;   // switching the FIFOs on or off empties them
        s_.rx_head = 0;
      }
      if (v & 1) {
        if (v & 0x02) {
          s_.rx_count = 0;
          s_.rx_head = 0;
        }
        s_.fcr = v & 0xc1;
      } else {
        s_.fcr = 0;
      }
      s_.timeout_pending = false;
      arm_timeout();
      schedule_rx();
      break;
    }
    case 3:
      s_.lcr = v;
      arm_timeout();
      break;
    case 4: set_mcr(v); break;
    case 5: break;   // LSR is read-only
    case 6: break;   // so is MSR
    case 7: s_.scr = v; break;
    default: break;
  }
  pull_input();
}

// ---- state -------------------------------------------------------------------------------------

void Uart16550::save(StateWriter& w) const {
  w.tag("UART");
  w.u16(cfg_.base);
  w.u8(s_.ier);
  w.u8(s_.lcr);
  w.u8(s_.mcr);
  w.u8(s_.scr);
  w.u8(s_.dll);
  w.u8(s_.dlm);
  w.u8(s_.fcr);
  w.u8(s_.lsr_err);
  w.u8(s_.msr_delta);
  w.bytes(s_.rx, sizeof s_.rx);
  w.u8(s_.rx_head);
  w.u8(s_.rx_count);
  w.boolean(s_.thre_pending);
  w.boolean(s_.timeout_pending);
  w.u64(s_.last_rx);
}

bool Uart16550::load(StateReader& r) {
  if (!r.tag("UART")) return false;
  uint16_t base = r.u16();
  if (r.ok() && base != cfg_.base)
    return r.fail("UART state for port " + std::to_string(base) + " loaded into the UART at " +
                  std::to_string(cfg_.base));
  UartState t;
  t.ier = r.u8() & 0x0f;
  t.lcr = r.u8();
  t.mcr = r.u8() & 0x1f;
  t.scr = r.u8();
  t.dll = r.u8();
  t.dlm = r.u8();
  t.fcr = r.u8() & 0xc1;
  t.lsr_err = r.u8() & 0x1e;
  t.msr_delta = r.u8() & 0x0f;
  r.bytes(t.rx, sizeof t.rx);
  t.rx_head = r.u8();
  t.rx_count = r.u8();
  t.thre_pending = r.boolean();
  t.timeout_pending = r.boolean();
  t.last_rx = r.u64();
  r.check(t.rx_head < 16 && t.rx_count <= 16, "UART FIFO position out of range");
  if (!r.ok()) return false;
  s_ = t;
  update_irq();
  return true;
}

}  // namespace pvlab
