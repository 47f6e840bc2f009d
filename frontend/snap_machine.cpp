#include "frontend/snap_machine.h"

#include <algorithm>

#include "frontend/exit_codes.h"
#include "frontend/run_pv.h"
#include "frontend/state_dump.h"
#include "frontend/state_file.h"

namespace pvlab {

// ---- MachineSpec --------------------------------------------------------------------------------

namespace {

void put_string(StateWriter& w, const std::string& s) {
  w.u32(uint32_t(s.size()));
  w.bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string get_string(StateReader& r, size_t max) {
  const std::vector<uint8_t> b = r.blob(max);
  return std::string(b.begin(), b.end());
}

}  // namespace

void MachineSpec::save(StateWriter& w) const {
  w.tag("SPEC");
  put_string(w, kind);
  put_string(w, image_path);
  w.boolean(bios);
  w.u64(image_hash);
  w.u64(ram_bytes);
  w.u32(vcpus);
  put_string(w, cmdline);
  w.boolean(initdomain);
  w.i64(rtc_epoch);
  put_string(w, timing);
}

bool MachineSpec::load(StateReader& r) {
  if (!r.tag("SPEC")) return false;
  kind = get_string(r, 16);
  image_path = get_string(r, 4096);
  bios = r.boolean();
  image_hash = r.u64();
  ram_bytes = r.u64();
  vcpus = r.u32();
  cmdline = get_string(r, 4096);
  initdomain = r.boolean();
  rtc_epoch = r.i64();
  timing = get_string(r, 1u << 16);
  if (!r.ok()) return false;
  if (kind != "pc" && kind != "pv") return r.fail("machine kind '" + kind + "' (expected pc or pv)");
  if (ram_bytes < (2u << 20) || ram_bytes > (3ull << 30) || (ram_bytes & 0xfff))
    return r.fail("guest RAM of " + std::to_string(ram_bytes) + " bytes");
  if (vcpus < 1 || vcpus > 16) return r.fail(std::to_string(vcpus) + " vcpus (1 to 16)");
  return true;
}

std::string MachineSpec::describe() const {
  std::string s = kind + " machine, " +
                  (image_path.empty() ? std::string("the built-in demo guest") : image_path) +
                  (bios ? " (BIOS ROM)" : "") + " [image " + hash_hex(image_hash) + "], " +
                  std::to_string(ram_bytes >> 20) + " MiB";
  if (kind == "pv") s += ", " + std::to_string(vcpus) + " vcpu" + (vcpus == 1 ? "" : "s");
  if (initdomain) s += ", initial domain";
  if (!cmdline.empty()) s += ", command line '" + cmdline + "'";
  if (!timing.empty()) s += ", --timing ooo";
  return s;
}

// ---- building ---------------------------------------------------------------------------------

std::unique_ptr<SnapMachine> SnapMachine::create(const MachineSpec& spec, std::vector<uint8_t> image,
                                                 std::string& error) {
  const uint64_t h = state_hash(image);
  if (h != spec.image_hash) {
    error = (spec.image_path.empty() ? std::string("the built-in demo guest") : spec.image_path) +
            ": image " + hash_hex(h) + " is not the one the file was made from (" +
            hash_hex(spec.image_hash) + ")";
    return nullptr;
  }
  std::unique_ptr<SnapMachine> m(new SnapMachine);
  m->spec_ = spec;
  if (!spec.timing.empty() && !parse_timing_config(spec.timing, "the timing configuration", m->timing_cfg_, error))
    return nullptr;
  m->image_ = std::move(image);
  if (!spec.bios) {
    m->elf_ = parse_elf(spec.image_path.empty() ? "(built-in demo guest)" : spec.image_path,
                        m->image_, error);
    if (!m->elf_) return nullptr;
  }
  if (spec.kind == "pv") {
    if (!m->elf_) {
      error = "a PV machine needs an ELF kernel";
      return nullptr;
    }
    hyper::HypervisorConfig cfg;
    cfg.domain_bytes = spec.ram_bytes;
    cfg.vcpus = spec.vcpus;
    cfg.cmdline = spec.cmdline;
    cfg.initdomain = spec.initdomain;
    if (!spec.timing.empty()) apply_timing_to_mmu(m->timing_cfg_, cfg.cpu.mmu);
    m->hv_ = std::make_unique<hyper::Hypervisor>(cfg);
    SnapMachine* self = m.get();
    m->hv_->set_console_sink([self](char c) {
      if (self->serial_sink_) self->serial_sink_(c);
    });
    if (!m->hv_->build(guest_image_of(*m->elf_), error)) return nullptr;
    m->pv_ = std::make_unique<PvBackends>(*m->hv_, !spec.initdomain);
    if (!m->pv_->attached()) {
      error = m->pv_->error();
      return nullptr;
    }
    m->attach_timing();
    return m;
  }
  MachineConfig cfg;
  cfg.ram_bytes = spec.ram_bytes;
  cfg.cmdline = spec.cmdline;
  cfg.rtc_epoch = spec.rtc_epoch;
  if (!spec.timing.empty()) apply_timing_to_mmu(m->timing_cfg_, cfg.cpu.mmu);
  m->pc_ = std::make_unique<PcMachine>(cfg);
  SnapMachine* self = m.get();
  m->pc_->set_serial_sink([self](char c) {
    if (self->serial_sink_) self->serial_sink_(c);
  });
  m->pc_->set_debugcon_sink([self](char c) {
    if (self->debugcon_sink_) self->debugcon_sink_(c);
  });
  const bool ok = spec.bios ? m->pc_->load_bios(m->image_, error) : m->pc_->load_multiboot(*m->elf_, error);
  if (!ok) return nullptr;
  m->attach_timing();
  return m;
}

void SnapMachine::attach_timing() {
  if (spec_.timing.empty()) return;
  if (hv_) hv_->set_timing_hook(nullptr);
  timing_ = std::make_unique<TimingModels>();
  const unsigned cpus = pc_ ? 1 : spec_.vcpus;
  for (unsigned i = 0; i < cpus; ++i) timing_->attach(timing_cfg_, pc_ ? pc_->cpu() : hv_->cpu(i));
  if (hv_) hv_->set_timing_hook(timing_.get());
  if (elf_) timing_->set_functions(function_map_of(*elf_));
}

SnapMachine::~SnapMachine() {
  if (hv_) hv_->set_timing_hook(nullptr);
  timing_.reset();   // gives the CPUs their retire hooks back
  pv_.reset();       // the back ends unregister from the hypervisor
}

void SnapMachine::set_sinks(std::function<void(char)> serial, std::function<void(char)> debugcon) {
  serial_sink_ = std::move(serial);
  debugcon_sink_ = std::move(debugcon);
}

// ---- running ----------------------------------------------------------------------------------

SnapMachine::Halt SnapMachine::run(uint64_t stop_cycle, uint64_t max_insns, uint64_t max_cycles) {
  const uint64_t cycle_cap = max_cycles ? max_cycles : ~0ull;
  uint64_t budget = 0;
  if (max_insns) {
    const uint64_t done = insns();
    if (done >= max_insns) {
      pc_end_ = RunResult{RunEnd::Stopped, StopReason::InsnLimit, 0};
      pv_end_ = hyper::PvRunResult{hyper::PvEnd::Stopped, StopReason::InsnLimit, hyper::ShutdownReason::None};
      return Halt::Ended;
    }
    budget = max_insns - done;
  }
  if (pc_) {
    Cpu& c = pc_->cpu();
    c.set_cycle_limit(std::min(stop_cycle, cycle_cap));
    pc_end_ = pc_->run(budget);
    if (pc_end_.end != RunEnd::Stopped) return Halt::Ended;
    if (pc_end_.stop == StopReason::CycleLimit && c.s.cycles < cycle_cap) return Halt::AtStop;
    if (pc_end_.stop == StopReason::Idle) return Halt::Idle;
    return Halt::Ended;
  }
  hyper::Hypervisor& hv = *hv_;
  hv.set_stop_cycle(stop_cycle);
  for (unsigned i = 0; i < spec_.vcpus; ++i) hv.cpu(i).set_cycle_limit(cycle_cap);
  pv_end_ = hv.run(budget);
  if (pv_end_.end != hyper::PvEnd::Stopped) return Halt::Ended;
  if (pv_end_.stop == StopReason::CycleLimit) {
    bool at_cap = false;
    for (unsigned i = 0; i < spec_.vcpus; ++i) at_cap |= hv.cpu(i).s.cycles >= cycle_cap;
    if (!at_cap && hv.now() >= stop_cycle) return Halt::AtStop;
    return Halt::Ended;
  }
  if (pv_end_.stop == StopReason::Idle) return Halt::Idle;
  return Halt::Ended;
}

uint64_t SnapMachine::cycles() const {
  if (pc_) return pc_->cpu().s.cycles;
  return hv_->now();
}

uint64_t SnapMachine::insns() const {
  if (pc_) return pc_->cpu().s.insns;
  uint64_t n = 0;
  for (unsigned i = 0; i < spec_.vcpus; ++i) n += hv_->cpu(i).s.insns;
  return n;
}

InputQueue& SnapMachine::input() { return pc_ ? pc_->devices().input() : pv_->input(); }

void SnapMachine::push_input(const std::string& bytes) {
  input().push(cycles(), pc_ ? input_source::kCom1 : input_source::kXenConsole, bytes);
}

const std::string& SnapMachine::console() const { return pc_ ? pc_->console() : hv_->console(); }

int SnapMachine::exit_status() const { return pc_ ? pvlab::exit_status(pc_end_) : pv_exit_status(pv_end_); }

void SnapMachine::report_end(FILE* f) const {
  if (pc_) {
    if (pc_end_.end != RunEnd::Stopped) return;
    Cpu& c = pc_->cpu();
    std::fprintf(f, "pvlab: guest stopped: %s\n", stop_reason_name(pc_end_.stop));
    if (pc_end_.stop == StopReason::TripleFault)
      std::fprintf(f, "pvlab: %s\n", c.triple_fault_reason().c_str());
    std::fprintf(f, "%s", state_dump(c).c_str());
    return;
  }
  bool dump = false;
  pv_exit_status(pv_end_, &dump);
  if (pv_end_.end == hyper::PvEnd::Shutdown) {
    if (pv_end_.reason != hyper::ShutdownReason::PowerOff)
      std::fprintf(f, "pvlab: domain %s: %s\n", hyper::shutdown_reason_name(pv_end_.reason),
                   hv_->domain().crash_reason.c_str());
  } else {
    std::fprintf(f, "pvlab: guest stopped: %s\n", stop_reason_name(pv_end_.stop));
  }
  if (dump)
    for (unsigned i = 0; i < spec_.vcpus; ++i)
      std::fprintf(f, "pvlab: vcpu %u:\n%s", i, state_dump(hv_->cpu(i)).c_str());
}

void SnapMachine::print_stats(FILE* f, double secs) const {
  const uint64_t n = insns();
  std::fprintf(f, "pvlab: %llu instructions, %llu cycles, %.3f s, %.1f MIPS\n",
               (unsigned long long)n, (unsigned long long)cycles(), secs,
               secs > 0 ? double(n) / secs / 1e6 : 0.0);
  uint64_t ih = 0, im = 0, dh = 0, dm = 0, walks = 0;
  const unsigned cpus = pc_ ? 1 : spec_.vcpus;
  for (unsigned i = 0; i < cpus; ++i) {
    Cpu& c = pc_ ? pc_->cpu() : hv_->cpu(i);
    const TlbStats& it = c.mmu().itlb().stats();
    const TlbStats& dt = c.mmu().dtlb().stats();
    ih += it.hits, im += it.misses, dh += dt.hits, dm += dt.misses, walks += it.walks + dt.walks;
  }
  std::fprintf(f, "pvlab: I-TLB %llu hits %llu misses, D-TLB %llu hits %llu misses, %llu walks\n",
               (unsigned long long)ih, (unsigned long long)im, (unsigned long long)dh,
               (unsigned long long)dm, (unsigned long long)walks);
  if (timing_) timing_->print(f);
}

// ---- state ------------------------------------------------------------------------------------

void SnapMachine::save(StateWriter& w) const {
  w.tag("MACH");
  if (pc_) {
    pc_->save_state(w);
    if (timing_) timing_->save(w);
    return;
  }
  hv_->save_state(w);
  pv_->save(w);
  if (timing_) timing_->save(w);
}

bool SnapMachine::load(StateReader& r) {
  if (!r.tag("MACH")) return false;
  bool ok = pc_ ? pc_->load_state(r) : hv_->load_state(r) && pv_->load(r);
  // The timing models: attached afresh to the loaded CPUs, then given their saved state.
  if (ok && timing_) {
    attach_timing();
    ok = timing_->load(r);
  }
  return ok;
}

PhysMem& SnapMachine::ram() { return pc_ ? pc_->ram() : hv_->mem(); }

uint64_t SnapMachine::hash() {
  StateWriter w;
  save(w);
  if (!ram_tracker_) ram_tracker_ = std::make_unique<RamTracker>(ram());
  ram_tracker_->sync();
  return ram_tracker_->hash(state_hash(w.data()));
}

std::vector<uint8_t> SnapMachine::take_ram_delta(bool encode) {
  if (!ram_tracker_) ram_tracker_ = std::make_unique<RamTracker>(ram());
  ram_tracker_->sync();
  return ram_tracker_->take_delta(encode);
}

}  // namespace pvlab
