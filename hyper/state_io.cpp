// The hypervisor's state as bytes, one struct at a time, each behind its own tag. Machine
// memory is not here (the snapshot file stores RAM once, compressed, for both kinds of
// machine), nor are the logs or the wiring (the CPUs' platform, the host back ends' callbacks),
// which load_state() keeps from the hypervisor it reads into.
//
// To add a field to one of the structs: write it in its save_ function and read it at the same
// place in its load_ function, and raise kSnapshotVersion in frontend/snapshot.h.
#include <algorithm>

#include "devices/state_io.h"
#include "hyper/hypervisor.h"

namespace pvlab::hyper {

namespace {

constexpr size_t kMaxString = 1u << 24;

void save_string(StateWriter& w, const std::string& s) {
  w.u32(uint32_t(s.size()));
  w.bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string load_string(StateReader& r, const char* what) {
  const std::vector<uint8_t> b = r.blob(kMaxString);
  if (!r.ok()) r.fail(std::string("reading ") + what);
  return std::string(b.begin(), b.end());
}

void save_u32s(StateWriter& w, const std::vector<uint32_t>& v) {
  w.u32(uint32_t(v.size()));
  for (uint32_t x : v) w.u32(x);
}

bool load_u32s(StateReader& r, std::vector<uint32_t>& v, size_t max, const char* what) {
  const uint32_t n = r.u32();
  if (!r.ok()) return false;
  if (n > max || size_t(n) * 4 > r.remaining())
    return r.fail(std::string(what) + ": " + std::to_string(n) + " entries (at most " +
                  std::to_string(std::min<size_t>(max, r.remaining() / 4)) + " possible)");
  v.assign(n, 0);
  for (uint32_t& x : v) x = r.u32();
  return r.ok();
}

// ---- the frame table ------------------------------------------------------------------------

void save_frame(StateWriter& w, const FrameInfo& f) {
  w.u16(f.owner);
  w.u8(uint8_t(f.type));
  w.boolean(f.validated);
  w.boolean(f.pinned);
  w.boolean(f.pae_xen_l2);
  w.boolean(f.shared_xen);
  w.u32(f.type_count);
  w.u32(f.count);
  w.u16(uint16_t(f.linear));
  w.u32(f.unmapped_gen);
}

bool load_frame(StateReader& r, FrameInfo& f) {
  f.owner = r.u16();
  const uint8_t type = r.u8();
  if (!r.check(type <= uint8_t(PageType::Writable), "frame type out of range")) return false;
  f.type = PageType(type);
  f.validated = r.boolean();
  f.pinned = r.boolean();
  f.pae_xen_l2 = r.boolean();
  f.shared_xen = r.boolean();
  f.type_count = r.u32();
  f.count = r.u32();
  f.linear = int16_t(r.u16());
  f.unmapped_gen = r.u32();
  return r.ok();
}

void save_frames(StateWriter& w, const FrameTable& t) {
  w.tag("FRMS");
  w.u32(t.size());
  w.u32(t.flush_gen);
  for (uint32_t i = 0; i < t.size(); ++i) save_frame(w, t[i]);
}

bool load_frames(StateReader& r, FrameTable& t) {
  if (!r.tag("FRMS")) return false;
  const uint32_t n = r.u32();
  const uint32_t gen = r.u32();
  if (!r.ok()) return false;
  if (n != t.size())
    return r.fail("frame table of " + std::to_string(n) + " frames (this machine has " +
                  std::to_string(t.size()) + ")");
  for (uint32_t i = 0; i < n; ++i)
    if (!load_frame(r, t[i])) return r.fail("in the record of frame " + std::to_string(i));
  t.flush_gen = gen;
  return true;
}

// ---- vcpus ----------------------------------------------------------------------------------

void save_callback(StateWriter& w, const Callback& c) {
  w.u16(c.cs);
  w.u32(c.eip);
}

void load_callback(StateReader& r, Callback& c) {
  c.cs = r.u16();
  c.eip = r.u32();
}

void save_events(StateWriter& w, const VcpuEvents& e) {
  w.tag("VEVT");
  for (uint32_t p : e.virq_port) w.u32(p);
  w.boolean(e.polling);
  save_u32s(w, e.poll_ports);
  w.u64(e.poll_deadline);
  w.boolean(e.upcall_hint);
  w.boolean(e.registered_vcpu_info);
  w.u32(e.runstate);
  w.u64(e.runstate_entry);
  for (uint64_t t : e.runstate_time) w.u64(t);
  w.u32(e.runstate_area_va);
}

bool load_events(StateReader& r, VcpuEvents& e) {
  if (!r.tag("VEVT")) return false;
  for (uint32_t& p : e.virq_port) p = r.u32();
  e.polling = r.boolean();
  if (!load_u32s(r, e.poll_ports, 128, "polled ports")) return false;
  e.poll_deadline = r.u64();
  e.upcall_hint = r.boolean();
  e.registered_vcpu_info = r.boolean();
  e.runstate = r.u32();
  e.runstate_entry = r.u64();
  for (uint64_t& t : e.runstate_time) t = r.u64();
  e.runstate_area_va = r.u32();
  return r.ok();
}

void save_vcpu(StateWriter& w, const Vcpu& v) {
  w.tag("VCPU");
  w.u32(v.id);
  w.boolean(v.online);
  w.boolean(v.blocked);
  w.u64(v.vcpu_info_maddr);
  for (const VirtualTrap& t : v.traps) {
    w.boolean(t.set);
    w.u8(t.dpl);
    w.boolean(t.mask_events);
    w.u16(t.cs);
    w.u32(t.eip);
  }
  w.u16(v.kernel_ss);
  w.u32(v.kernel_sp);
  save_callback(w, v.event_callback);
  save_callback(w, v.failsafe_callback);
  save_callback(w, v.nmi_callback);
  w.u8(v.iopl);
  w.boolean(v.guest_ts);
  for (uint32_t d : v.debugreg) w.u32(d);
  save_callback(w, v.sysenter_callback);
  w.boolean(v.failsafe_masks_events);
  w.boolean(v.sysenter_masks_events);
  w.u32(v.guest_cr2);
  w.boolean(v.in_multicall);
  save_u32s(w, v.gdt_frames);
  w.u32(v.gdt_entries);
  w.u32(v.ldt_base);
  w.u32(v.ldt_entries);
  save_u32s(w, v.ldt_frames);
  w.u32(v.cr3_mfn);
  w.u32(v.base_mfn);
  w.u64(v.timer_deadline);
  w.u64(v.periodic_period);
  w.u64(v.periodic_next);
  save_events(w, v.ev);
  w.boolean(v.initialised);
  v.cpu->save_state(w);
}

bool load_vcpu(StateReader& r, Vcpu& v) {
  if (!r.tag("VCPU")) return false;
  const uint32_t id = r.u32();
  if (r.ok() && id != v.id)
    return r.fail("vcpu record " + std::to_string(id) + " where vcpu " + std::to_string(v.id) +
                  " belongs");
  v.online = r.boolean();
  v.blocked = r.boolean();
  v.vcpu_info_maddr = r.u64();
  for (VirtualTrap& t : v.traps) {
    t.set = r.boolean();
    t.dpl = r.u8();
    t.mask_events = r.boolean();
    t.cs = r.u16();
    t.eip = r.u32();
  }
  v.kernel_ss = r.u16();
  v.kernel_sp = r.u32();
  load_callback(r, v.event_callback);
  load_callback(r, v.failsafe_callback);
  load_callback(r, v.nmi_callback);
  v.iopl = r.u8();
  v.guest_ts = r.boolean();
  for (uint32_t& d : v.debugreg) d = r.u32();
  load_callback(r, v.sysenter_callback);
  v.failsafe_masks_events = r.boolean();
  v.sysenter_masks_events = r.boolean();
  v.guest_cr2 = r.u32();
  v.in_multicall = r.boolean();
  if (!load_u32s(r, v.gdt_frames, 16, "GDT frames")) return false;
  v.gdt_entries = r.u32();
  v.ldt_base = r.u32();
  v.ldt_entries = r.u32();
  if (!load_u32s(r, v.ldt_frames, 16, "LDT frames")) return false;
  v.cr3_mfn = r.u32();
  v.base_mfn = r.u32();
  v.timer_deadline = r.u64();
  v.periodic_period = r.u64();
  v.periodic_next = r.u64();
  if (!load_events(r, v.ev)) return false;
  v.initialised = r.boolean();
  return r.ok() && v.cpu->load_state(r);
}

// ---- event channels, grants, the scheduler --------------------------------------------------

void save_evtchn(StateWriter& w, const EventChannels& e) {
  w.tag("EVCH");
  w.u32(uint32_t(e.ports.size()));
  for (const EventChannel& p : e.ports) {
    w.u8(uint8_t(p.state));
    w.u16(p.notify_vcpu);
    w.u16(p.remote_dom);
    w.u32(p.remote_port);
    w.u32(p.virq);
    w.boolean(p.host);
  }
}

bool load_evtchn(StateReader& r, EventChannels& e) {
  if (!r.tag("EVCH")) return false;
  const uint32_t n = r.u32();
  if (!r.ok()) return false;
  if (n > EventChannels::kMaxPorts)
    return r.fail(std::to_string(n) + " event channel ports (at most " +
                  std::to_string(EventChannels::kMaxPorts) + ")");
  std::vector<EventChannel> ports(n);
  for (EventChannel& p : ports) {
    const uint8_t st = r.u8();
    const bool known = st == uint8_t(PortState::Free) || st == uint8_t(PortState::Unbound) ||
                       st == uint8_t(PortState::Interdomain) || st == uint8_t(PortState::Pirq) ||
                       st == uint8_t(PortState::Virq) || st == uint8_t(PortState::Ipi) ||
                       st == uint8_t(PortState::Reserved);
    if (!r.check(known, "event channel state out of range")) return false;
    p.state = PortState(st);
    p.notify_vcpu = r.u16();
    p.remote_dom = r.u16();
    p.remote_port = r.u32();
    p.virq = r.u32();
    p.host = r.boolean();
  }
  if (!r.ok()) return false;
  e.ports = std::move(ports);
  // The host side's callbacks are wiring from the build; keep them, sized to the ports.
  if (e.host_notify.size() < e.ports.size()) e.host_notify.resize(e.ports.size());
  return true;
}

void save_grants(StateWriter& w, const GrantTable& g) {
  w.tag("GNTT");
  w.u32(g.version);
  save_u32s(w, g.frames);
  w.u32(uint32_t(g.maptrack.size()));
  for (const GrantMapping& m : g.maptrack) {
    w.boolean(m.used);
    w.u32(m.ref);
    w.u16(m.granter);
    w.u32(m.mfn);
    w.boolean(m.readonly);
    w.boolean(m.host_map);
    w.u32(m.host_va);
  }
  w.u32(uint32_t(g.readers.size()));
  for (uint16_t x : g.readers) w.u16(x);
  w.u32(uint32_t(g.writers.size()));
  for (uint16_t x : g.writers) w.u16(x);
}

bool load_grants(StateReader& r, GrantTable& g) {
  if (!r.tag("GNTT")) return false;
  g.version = r.u32();
  if (!load_u32s(r, g.frames, GrantTable::kMaxFrames, "grant table frames")) return false;
  const uint32_t nmap = r.u32();
  if (!r.ok()) return false;
  if (nmap > (1u << 20) || size_t(nmap) * 19 > r.remaining())
    return r.fail("grant maptrack of " + std::to_string(nmap) + " entries");
  g.maptrack.assign(nmap, {});
  for (GrantMapping& m : g.maptrack) {
    m.used = r.boolean();
    m.ref = r.u32();
    m.granter = r.u16();
    m.mfn = r.u32();
    m.readonly = r.boolean();
    m.host_map = r.boolean();
    m.host_va = r.u32();
  }
  const size_t max_refs = size_t(GrantTable::kMaxFrames) * 4096 / 8;
  for (std::vector<uint16_t>* v : {&g.readers, &g.writers}) {
    const uint32_t n = r.u32();
    if (!r.ok()) return false;
    if (n > max_refs || size_t(n) * 2 > r.remaining()) return r.fail("grant use counts for " + std::to_string(n) + " references");
    v->assign(n, 0);
    for (uint16_t& x : *v) x = r.u16();
  }
  return r.ok();
}

void save_sched(StateWriter& w, const SchedState& s) {
  w.tag("SCHD");
  w.u32(s.current);
  w.u64(s.quantum_left);
  w.boolean(s.resched);
  w.u64(s.idle_clock);
}

bool load_sched(StateReader& r, SchedState& s, unsigned vcpus) {
  if (!r.tag("SCHD")) return false;
  s.current = r.u32();
  s.quantum_left = r.u64();
  s.resched = r.boolean();
  s.idle_clock = r.u64();
  return r.check(s.current < vcpus || !r.ok(), "scheduler's current vcpu out of range") && r.ok();
}

// ---- the domain -----------------------------------------------------------------------------

void save_domain(StateWriter& w, const Domain& d) {
  w.tag("DOMN");
  w.u16(d.id);
  save_string(w, d.name);
  w.u32(d.nr_pages);
  w.u32(d.tot_pages);
  w.u32(d.max_pages);
  save_u32s(w, d.p2m);
  w.u32(d.shared_info_mfn);
  w.u32(d.start_info_pfn);
  w.u32(d.console_pfn);
  w.u32(d.xenstore_pfn);
  w.u32(d.console_evtchn);
  w.u32(d.xenstore_evtchn);
  w.u32(d.vm_assist);
  w.boolean(d.initdomain);
  save_grants(w, d.grants);
  save_evtchn(w, d.evtchn);
  save_sched(w, d.sched);
  save_string(w, d.console_input);
  w.u8(uint8_t(d.shutdown));
  save_string(w, d.crash_reason);
  w.u32(uint32_t(d.vcpus.size()));
  for (const auto& v : d.vcpus) save_vcpu(w, *v);
}

bool load_domain(StateReader& r, Domain& d, uint32_t machine_frames) {
  if (!r.tag("DOMN")) return false;
  d.id = r.u16();
  d.name = load_string(r, "the domain name");
  d.nr_pages = r.u32();
  d.tot_pages = r.u32();
  d.max_pages = r.u32();
  if (!load_u32s(r, d.p2m, machine_frames, "the physical-to-machine table")) return false;
  for (uint32_t m : d.p2m)
    if (m >= machine_frames && m != ~0u)
      return r.fail("physical-to-machine entry names frame " + std::to_string(m) + " of " +
                    std::to_string(machine_frames));
  d.shared_info_mfn = r.u32();
  d.start_info_pfn = r.u32();
  d.console_pfn = r.u32();
  d.xenstore_pfn = r.u32();
  d.console_evtchn = r.u32();
  d.xenstore_evtchn = r.u32();
  d.vm_assist = r.u32();
  d.initdomain = r.boolean();
  if (!r.ok() || !load_grants(r, d.grants) || !load_evtchn(r, d.evtchn) ||
      !load_sched(r, d.sched, unsigned(d.vcpus.size())))
    return false;
  d.console_input = load_string(r, "the console input");
  const uint8_t sd = r.u8();
  if (!r.check(sd <= uint8_t(ShutdownReason::Watchdog), "shutdown reason out of range")) return false;
  d.shutdown = ShutdownReason(sd);
  d.crash_reason = load_string(r, "the crash reason");
  const uint32_t n = r.u32();
  if (!r.ok()) return false;
  if (n != d.vcpus.size())
    return r.fail("state of " + std::to_string(n) + " vcpus (this domain has " +
                  std::to_string(d.vcpus.size()) + ")");
  for (auto& v : d.vcpus)
    if (!load_vcpu(r, *v)) return r.fail("in the state of vcpu " + std::to_string(v->id));
  return true;
}

}  // namespace

void Hypervisor::save_state(StateWriter& w) const {
  w.tag("HYPV");
  w.u32(next_xen_frame_);
  w.u32(xen_pool_end_);
  w.u32(m2p_first_mfn_);
  w.u32(percpu_l1_);
  w.u32(tss_l1_);
  w.u32(zero_frame_);
  w.u32(uint32_t(hv_l2_.size()));
  for (uint64_t e : hv_l2_) w.u64(e);
  save_u32s(w, reserved_gdt_);
  save_string(w, console_);
  w.boolean(end_.has_value());
  if (end_) {
    w.u8(uint8_t(end_->end));
    w.u8(uint8_t(end_->stop));
    w.u8(uint8_t(end_->reason));
  }
  w.u32(current_ ? current_->id : ~0u);
  save_frames(w, frames_);
  save_domain(w, dom_);
}

bool Hypervisor::load_state(StateReader& r) {
  if (!r.tag("HYPV")) return false;
  next_xen_frame_ = r.u32();
  xen_pool_end_ = r.u32();
  m2p_first_mfn_ = r.u32();
  percpu_l1_ = r.u32();
  tss_l1_ = r.u32();
  zero_frame_ = r.u32();
  const uint32_t nl2 = r.u32();
  if (r.ok() && nl2 != hv_l2_.size())
    return r.fail("hypervisor L2 slots: " + std::to_string(nl2) + " (expected " +
                  std::to_string(hv_l2_.size()) + ")");
  for (uint64_t& e : hv_l2_) e = r.u64();
  if (!load_u32s(r, reserved_gdt_, cfg_.vcpus, "reserved GDT frames")) return false;
  console_ = load_string(r, "the console output");
  const bool ended = r.boolean();
  end_.reset();
  if (ended) {
    PvRunResult e;
    const uint8_t how = r.u8(), stop = r.u8(), reason = r.u8();
    if (!r.check(how <= uint8_t(PvEnd::Stopped) && stop <= uint8_t(StopReason::Breakpoint) &&
                     reason <= uint8_t(ShutdownReason::Watchdog),
                 "run end out of range"))
      return false;
    e.end = PvEnd(how);
    e.stop = StopReason(stop);
    e.reason = ShutdownReason(reason);
    end_ = e;
  }
  const uint32_t cur = r.u32();
  if (!r.ok()) return false;
  if (cur != ~0u && cur >= dom_.vcpus.size()) return r.fail("current vcpu out of range");
  current_ = cur == ~0u ? nullptr : dom_.vcpus[cur].get();
  return load_frames(r, frames_) && load_domain(r, dom_, machine_frames());
}

}  // namespace pvlab::hyper
