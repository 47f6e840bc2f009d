#include "frontend/pv_backends.h"

#include "hyper/hypervisor.h"

namespace pvlab {

PvBackends::PvBackends(hyper::Hypervisor& hv, bool xenstore)
    : console_(std::make_unique<xen::ConsoleBackend>(hv, &input_)) {
  if (xenstore) store_ = std::make_unique<xen::XenstoreBackend>(hv);
}

PvBackends::~PvBackends() {
  store_.reset();
  console_.reset();
}

std::string PvBackends::error() const {
  if (!console_->attached()) return "console: " + console_->error();
  if (store_ && !store_->attached()) return "xenstore: " + store_->error();
  return {};
}

void PvBackends::save(StateWriter& w) const {
  input_.save(w);
  console_->save(w);
  w.boolean(store_ != nullptr);
  if (store_) store_->save(w);
}

bool PvBackends::load(StateReader& r) {
  if (!input_.load(r) || !console_->load(r)) return false;
  if (r.boolean() != (store_ != nullptr))
    return r.fail(store_ ? "a saved domain without xenstore (an initial domain's)" : "a saved domU with xenstore");
  return !store_ || store_->load(r);
}

}  // namespace pvlab
