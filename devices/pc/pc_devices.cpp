#include "devices/pc/pc_devices.h"

namespace pvlab {

namespace {
constexpr unsigned kIrqPit = 0, kIrqKeyboard = 1, kIrqCom1 = 4, kIrqRtc = 8;
}  // namespace

PcDevices::PcDevices(Bus& bus, const PcDevicesConfig& cfg, Uart16550::Sink com1_out)
    : clock_(cfg.cpu_hz),
      pit_(clock_, pic_.line(kIrqPit)),
      com1_(clock_, pic_.line(kIrqCom1), &input_, std::move(com1_out), cfg.com1),
      cmos_(clock_, pic_.line(kIrqRtc), CmosConfig{cfg.ram_bytes, cfg.rtc_epoch}),
      lapic_(cfg.lapic ? std::make_unique<Lapic>(clock_, cfg.lapic_cfg) : nullptr),
      system_(pic_.line(kIrqKeyboard)),
      post_(clock_),
      router_(pic_, lapic_.get()) {
  pic_.map(bus);
  pit_.map(bus);
  com1_.map(bus);
  cmos_.map(bus);
  if (lapic_) lapic_->map(bus);
  system_.map(bus);
  post_.map(bus);
}

void PcDevices::save(StateWriter& w) const {
  w.tag("PCDV");
  clock_.save(w);
  input_.save(w);
  pic_.save(w);
  pit_.save(w);
  com1_.save(w);
  cmos_.save(w);
  w.boolean(lapic_ != nullptr);
  if (lapic_) lapic_->save(w);
  system_.save(w);
  post_.save(w);
}

bool PcDevices::load(StateReader& r) {
  // Devices read into themselves as they go; a failure part way leaves a mixed state, so a
  // caller keeps its previous snapshot until load() returns true.
  if (!r.tag("PCDV") || !clock_.load(r) || !input_.load(r) || !pic_.load(r) || !pit_.load(r) ||
      !com1_.load(r) || !cmos_.load(r))
    return false;
  const bool has_lapic = r.boolean();
  if (!r.ok()) return false;
  if (has_lapic != (lapic_ != nullptr))
    return r.fail(has_lapic ? "the state has a local APIC, this machine has none"
                            : "this machine has a local APIC, the state has none");
  if (lapic_ && !lapic_->load(r)) return false;
  return system_.load(r) && post_.load(r);
}

}  // namespace pvlab
