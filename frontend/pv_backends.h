// A PV domain's host side besides the hypervisor: the console back end with the
// cycle-stamped input queue it reads host input from, and a domU's xenstore. One bundle for
// every place that runs a PV domain (`pvlab run`, snapshots and recordings, the debugging
// Session), so each saves and restores the same whole machine.
#pragma once
#include <memory>
#include <string>

#include "devices/input_queue.h"
#include "devices/state_io.h"
#include "devices/xen/console.h"
#include "devices/xen/xenstore.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
}

class PvBackends {
 public:
  // Attach the console (and, with `xenstore`, the store) to `hv`'s domain, which is built.
  // attached() says whether every part attached, error() names the first that did not.
  PvBackends(hyper::Hypervisor& hv, bool xenstore);
  ~PvBackends();   // the back ends unregister from the hypervisor
  PvBackends(const PvBackends&) = delete;
  PvBackends& operator=(const PvBackends&) = delete;

  bool attached() const { return console_->attached() && (!store_ || store_->attached()); }
  std::string error() const;
  InputQueue& input() { return input_; }
  xen::ConsoleBackend& console() { return *console_; }
  xen::XenstoreBackend* store() { return store_.get(); }

  // The back ends' state and the input queue (what was taken of it), after the hypervisor's
  // own state in a saved machine. load() reads it into a bundle attached to a domain of the
  // same kind (with or without xenstore).
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  InputQueue input_;
  std::unique_ptr<xen::ConsoleBackend> console_;
  std::unique_ptr<xen::XenstoreBackend> store_;   // a domU's; none for the initial domain
};

}  // namespace pvlab
