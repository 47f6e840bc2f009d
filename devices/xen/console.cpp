// The console back end (see console.h). The ring's layout and index rules come from
// xen/io/console.h: free-running 32-bit producer and consumer indices, taken modulo the ring
// size (a power of two); the producer owns `prod`, the consumer `cons`.
#include "devices/xen/console.h"

#include <cstddef>
#include <cstring>

#include "hyper/hypervisor.h"
#include "hyper/schedule.h"

extern "C" {
#include <xen/io/console.h>
}

namespace pvlab::xen {

namespace {

constexpr size_t kIn = offsetof(xencons_interface, in);
constexpr size_t kOut = offsetof(xencons_interface, out);
constexpr uint32_t kInSize = sizeof(xencons_interface::in);
constexpr uint32_t kOutSize = sizeof(xencons_interface::out);

uint32_t load32(const uint8_t* p, size_t off) {
  uint32_t v;
  std::memcpy(&v, p + off, 4);
  return v;
}
void store32(uint8_t* p, size_t off, uint32_t v) { std::memcpy(p + off, &v, 4); }

}  // namespace

ConsoleBackend::ConsoleBackend(hyper::Hypervisor& hv, InputQueue* input) : hv_(hv), input_(input) {
  hyper::Domain& d = hv_.domain();
  initdomain_ = d.initdomain;
  hv_.add_host_device(this);
  if (initdomain_) {
    attached_ = true;   // console_io is the console; nothing to connect
    return;
  }
  if (d.p2m.empty() || d.console_pfn >= d.p2m.size()) {
    error_ = "the domain has no console page";
    return;
  }
  attached_ = hyper::evtchn_connect_host(hv_, d, d.console_evtchn, [this] { kick(); }, &error_);
  if (!attached_) error_ = "console event channel " + std::to_string(d.console_evtchn) + ": " + error_;
}

ConsoleBackend::~ConsoleBackend() { hv_.remove_host_device(this); }

uint8_t* ConsoleBackend::ring() const {
  hyper::Domain& d = hv_.domain();
  return hv_.frame_ptr(d.p2m[d.console_pfn]);
}

void ConsoleBackend::kick() {
  if (!attached_ || initdomain_) return;
  const bool out = drain_output();
  const bool in = feed_input(hyper::sched_now(hv_));
  if (out || in) hyper::evtchn_notify_guest(hv_, hv_.domain(), hv_.domain().console_evtchn);
}

bool ConsoleBackend::drain_output() {
  uint8_t* r = ring();
  uint32_t cons = load32(r, offsetof(xencons_interface, out_cons));
  const uint32_t prod = load32(r, offsetof(xencons_interface, out_prod));
  if (cons == prod) return false;
  if (prod - cons > kOutSize) {
    // A guest that claims more than the ring holds: skip to the last ring's worth.
    dropped_ += prod - cons - kOutSize;
    cons = prod - kOutSize;
  }
  std::string text;
  text.reserve(prod - cons);
  for (; cons != prod; ++cons) text.push_back(char(r[kOut + (cons & (kOutSize - 1))]));
  store32(r, offsetof(xencons_interface, out_cons), cons);
  hv_.console_write(text);
  return true;
}

bool ConsoleBackend::feed_input(uint64_t now) {
  if (!input_) return false;
  if (initdomain_) {
    uint8_t buf[256];
    std::string got;
    while (size_t n = input_->pull(input_source::kXenConsole, now, buf, sizeof buf))
      got.append(reinterpret_cast<char*>(buf), n);
    hyper::console_feed(hv_, hv_.domain(), got);
    return false;
  }
  uint8_t* r = ring();
  const uint32_t cons = load32(r, offsetof(xencons_interface, in_cons));
  uint32_t prod = load32(r, offsetof(xencons_interface, in_prod));
  const uint32_t used = prod - cons;
  if (used >= kInSize) return false;   // full, or indices the guest corrupted: wait
  uint8_t buf[kInSize];
  const size_t n = input_->pull(input_source::kXenConsole, now, buf, kInSize - used);
  for (size_t i = 0; i < n; ++i, ++prod) r[kIn + (prod & (kInSize - 1))] = buf[i];
  if (n) store32(r, offsetof(xencons_interface, in_prod), prod);
  return n != 0;
}

uint64_t ConsoleBackend::next_event() const {
  if (!attached_ || !input_) return kNever;
  const uint64_t at = input_->next_stamp(input_source::kXenConsole);
  if (at == InputQueue::kNone) return kNever;
  if (!initdomain_) {
    const uint8_t* r = ring();
    const uint32_t used = load32(r, offsetof(xencons_interface, in_prod)) - load32(r, offsetof(xencons_interface, in_cons));
    if (used >= kInSize) return kNever;   // the guest's notify after reading brings us back
  }
  return at;
}

void ConsoleBackend::run_due(uint64_t now) {
  if (!attached_) return;
  if (feed_input(now) && !initdomain_)
    hyper::evtchn_notify_guest(hv_, hv_.domain(), hv_.domain().console_evtchn);
}

void ConsoleBackend::save(StateWriter& w) const {
  w.tag("XCON");
  w.u64(dropped_);
}

bool ConsoleBackend::load(StateReader& r) {
  if (!r.tag("XCON")) return false;
  dropped_ = r.u64();
  return r.ok();
}

}  // namespace pvlab::xen
