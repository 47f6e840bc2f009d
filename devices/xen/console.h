// The back half of a PV domain's console, as a host device: it drains the guest's output
// ring (xencons_interface in the console page, xen/io/console.h) to the hypervisor's console
// whenever the guest notifies the console event channel, and feeds host input into the input
// ring from the cycle-stamped input queue, notifying the guest. The initial domain has no
// ring: its input is kept for CONSOLEIO_read and VIRQ_CONSOLE raised.
#pragma once
#include <cstdint>
#include <string>

#include "devices/input_queue.h"
#include "hyper/events.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
}

namespace input_source {
constexpr uint16_t kXenConsole = 3;   // keystrokes for a PV domain's console
}  // namespace input_source

namespace xen {

class ConsoleBackend final : public hyper::HostDevice {
 public:
  // `input` may be null (no host input). The back end registers itself with the hypervisor
  // as a host device and connects the domain's console event channel; attached() says
  // whether that worked and error() why not.
  ConsoleBackend(hyper::Hypervisor& hv, InputQueue* input);
  ~ConsoleBackend() override;
  ConsoleBackend(const ConsoleBackend&) = delete;
  ConsoleBackend& operator=(const ConsoleBackend&) = delete;

  bool attached() const { return attached_; }
  const std::string& error() const { return error_; }

  // The guest notified the console channel: drain its output, refill its input.
  void kick();
  // Bytes of output the guest's ring held that were not plausible (a producer index more
  // than the ring size ahead): dropped and counted.
  uint64_t dropped() const { return dropped_; }

  // The back end's own state (the rings live in guest memory, the input in the queue).
  void save(StateWriter& w) const;
  bool load(StateReader& r);

  uint64_t next_event() const override;
  void run_due(uint64_t now) override;

 private:
  uint8_t* ring() const;
  bool drain_output();
  bool feed_input(uint64_t now);

  hyper::Hypervisor& hv_;
  InputQueue* input_;
  bool attached_ = false;
  bool initdomain_ = false;
  std::string error_;
  uint64_t dropped_ = 0;
};

}  // namespace xen
}  // namespace pvlab
