// Interrupt request lines. A device drives the level of one line; the controller at the other
// end (the 8259 pair on a PC) decides what an edge or a level means. Devices hold an IrqLine
// and never know which controller, or whether any, is connected.
#pragma once

namespace pvlab {

class IrqSink {
 public:
  virtual ~IrqSink() = default;
  virtual void set_irq(unsigned line, bool level) = 0;
};

class IrqLine {
 public:
  IrqLine() = default;  // not connected: every change is dropped
  IrqLine(IrqSink* sink, unsigned line) : sink_(sink), line_(line) {}

  void set(bool level) const {
    if (sink_) sink_->set_irq(line_, level);
  }
  void raise() const { set(true); }
  void lower() const { set(false); }
  // A rising edge that leaves the line low again (edge-triggered requests).
  void pulse() const {
    set(true);
    set(false);
  }
  bool connected() const { return sink_ != nullptr; }
  unsigned line() const { return line_; }

 private:
  IrqSink* sink_ = nullptr;
  unsigned line_ = 0;
};

}  // namespace pvlab
