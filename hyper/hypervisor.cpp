#include "hyper/hypervisor.h"

#include <cerrno>
#include <cstring>

#include "hyper/guest_access.h"
#include "hyper/schedule.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

// Frames the hypervisor keeps for itself besides the M2P: page-table pages of its area,
// per-vcpu GDT reserved pages and TSSs, shared_info, grant frames.
constexpr uint32_t kXenPoolFrames = 1024;
constexpr uint32_t kInvalidM2P = 0xffffffffu;

// A code or data descriptor: flat from 0 to kGuestSegmentEnd, 4 KiB granular, 32-bit.
constexpr uint64_t flat_descriptor(unsigned dpl, bool code) {
  const uint32_t limit = (kGuestSegmentEnd >> 12) - 1;   // 0xF67FF
  const uint64_t access = 0x80 | (uint64_t(dpl) << 5) | 0x10 | (code ? 0xb : 0x3);
  return (limit & 0xffff) | (uint64_t((limit >> 16) & 0xf) << 48) | (access << 40) |
         (0xcull << 52);
}

uint64_t system_descriptor(uint32_t base, uint32_t limit, unsigned type) {
  return (limit & 0xffff) | (uint64_t(base & 0xffffff) << 16) | (uint64_t(0x80 | type) << 40) |
         (uint64_t((limit >> 16) & 0xf) << 48) | (uint64_t(base >> 24) << 56);
}

}  // namespace

const char* page_type_name(PageType t) {
  switch (t) {
    case PageType::None: return "none";
    case PageType::L1: return "L1";
    case PageType::L2: return "L2";
    case PageType::L3: return "L3";
    case PageType::SegDesc: return "descriptor";
    case PageType::Writable: return "writable";
  }
  return "?";
}

const char* shutdown_reason_name(ShutdownReason r) {
  switch (r) {
    case ShutdownReason::None: return "running";
    case ShutdownReason::PowerOff: return "poweroff";
    case ShutdownReason::Reboot: return "reboot";
    case ShutdownReason::Suspend: return "suspend";
    case ShutdownReason::Crash: return "crash";
    case ShutdownReason::Watchdog: return "watchdog";
  }
  return "?";
}

static size_t machine_bytes(const HypervisorConfig& cfg) {
  const size_t dom = (cfg.domain_bytes + kPageSize - 1) & ~size_t(kPageSize - 1);
  // The M2P needs 4 bytes per machine frame; its own frames are counted in.
  const size_t frames = (dom >> kPageShift) + kXenPoolFrames;
  const size_t m2p_frames = (frames * 4 + kPageSize - 1) / kPageSize + 1;
  return (frames + m2p_frames) << kPageShift;
}

Hypervisor::Hypervisor(const HypervisorConfig& cfg)
    : cfg_(cfg), mem_(machine_bytes(cfg)), bus_(mem_), frames_(uint32_t(mem_.frames())) {
  if (cfg_.vcpus < 1) cfg_.vcpus = 1;
  if (cfg_.vcpus > kMaxVcpus) cfg_.vcpus = kMaxVcpus;
  for (unsigned i = 0; i < cfg_.vcpus; ++i) {
    cpus_.push_back(std::make_unique<Cpu>(bus_, cfg_.cpu));
    cpus_.back()->set_platform(this);
    auto v = std::make_unique<Vcpu>();
    v->id = i;
    v->cpu = cpus_.back().get();
    dom_.vcpus.push_back(std::move(v));
    code_fanout_.cpus.push_back(cpus_.back().get());
  }
  bus_.set_code_listener(&code_fanout_);
  setup_hypervisor_area();
  register_basic_hypercalls(table_);
  register_grant_hypercalls(table_);
  register_sysctl_hypercall(table_);
  register_mm_hypercalls(table_);
  register_event_hypercalls(table_);
  register_trap_hypercalls(table_);
}

Hypervisor::~Hypervisor() = default;

Vcpu& Hypervisor::vcpu_of(Cpu& c) {
  for (auto& v : dom_.vcpus)
    if (v->cpu == &c) return *v;
  return *dom_.vcpus[0];
}

uint32_t Hypervisor::alloc_xen_frame() {
  if (next_xen_frame_ >= xen_pool_end_) return 0;
  const uint32_t mfn = next_xen_frame_++;
  std::memset(frame_ptr(mfn), 0, kPageSize);
  frames_[mfn].owner = kOwnerXen;
  frames_[mfn].count = 1;
  return mfn;
}

void Hypervisor::set_m2p(uint32_t mfn, uint32_t pfn) {
  const paddr_t at = (paddr_t(m2p_first_mfn_) << kPageShift) + paddr_t(mfn) * 4;
  std::memcpy(mem_.ptr(at), &pfn, 4);
  mem_.mark_dirty(at >> kPageShift);
}

uint32_t Hypervisor::m2p(uint32_t mfn) const {
  uint32_t v;
  std::memcpy(&v, mem_.ptr((paddr_t(m2p_first_mfn_) << kPageShift) + paddr_t(mfn) * 4), 4);
  return v;
}

// Machine frames: 0 is never used; the hypervisor's pool follows, then the M2P table, then
// the domain's memory (see builder.cpp). The hypervisor area of every address space maps the
// M2P read-only, and pvlab's per-vcpu tables (GDT, LDT, TSS) supervisor-only beyond the
// guest's segment limits.
void Hypervisor::setup_hypervisor_area() {
  const uint32_t total = machine_frames();
  const uint32_t m2p_frames = (total * 4 + kPageSize - 1) / kPageSize;
  xen_pool_end_ = 1 + kXenPoolFrames;
  m2p_first_mfn_ = xen_pool_end_;
  frames_[0].owner = kOwnerXen;
  for (uint32_t i = 0; i < m2p_frames; ++i) {
    frames_[m2p_first_mfn_ + i].owner = kOwnerXen;
    frames_[m2p_first_mfn_ + i].count = 1;
  }
  for (uint32_t mfn = 0; mfn < total; ++mfn) set_m2p(mfn, kInvalidM2P);

  hv_l2_.assign(kPaeEntries - kFirstHvL2Slot, 0);
  // The M2P: read-only, readable from rings 1 and 3.
  const uint32_t m2p_l1s = (m2p_frames + kPaeEntries - 1) / kPaeEntries;
  for (uint32_t l = 0; l < m2p_l1s; ++l) {
    const uint32_t l1 = alloc_xen_frame();
    for (uint32_t i = 0; i < kPaeEntries; ++i) {
      const uint32_t k = l * kPaeEntries + i;
      if (k >= m2p_frames) break;
      const uint64_t e = (uint64_t(m2p_first_mfn_ + k) << kPageShift) | pte::P | pte::US | pte::A;
      std::memcpy(frame_ptr(l1) + i * 8, &e, 8);
    }
    hv_l2_[((kM2PStart >> 21) & 511) + l - kFirstHvL2Slot] =
        (uint64_t(l1) << kPageShift) | pte::P | pte::RW | pte::US | pte::A;
  }
  percpu_l1_ = alloc_xen_frame();
  tss_l1_ = alloc_xen_frame();
  hv_l2_[((kPerVcpuTablesStart >> 21) & 511) - kFirstHvL2Slot] =
      (uint64_t(percpu_l1_) << kPageShift) | pte::P | pte::RW | pte::A;
  hv_l2_[((kTssStart >> 21) & 511) - kFirstHvL2Slot] =
      (uint64_t(tss_l1_) << kPageShift) | pte::P | pte::RW | pte::A;
  zero_frame_ = alloc_xen_frame();

  // Per vcpu: the reserved GDT page (flat ring 0/1/3 segments and the TSS descriptor) and the TSS.
  for (auto& vp : dom_.vcpus) {
    Vcpu& v = *vp;
    const uint32_t reserved = alloc_xen_frame();
    uint64_t* d = reinterpret_cast<uint64_t*>(frame_ptr(reserved));
    d[(kSelHvCode >> 3) & 511] = flat_descriptor(0, true);
    d[(kSelHvData >> 3) & 511] = flat_descriptor(0, false);
    d[(kSelRing1Code >> 3) & 511] = flat_descriptor(1, true);
    d[(kSelRing1Data >> 3) & 511] = flat_descriptor(1, false);
    d[(kSelRing3Code >> 3) & 511] = flat_descriptor(3, true);
    d[(kSelRing3Data >> 3) & 511] = flat_descriptor(3, false);
    d[(kSelTss >> 3) & 511] = system_descriptor(tss_va(v.id), 0x67, 0xb);   // busy 32-bit TSS
    map_hv_page(gdt_va(v.id) + kFirstReservedGdtPage * kPageSize, reserved, true);
    map_hv_page(gdt_va(v.id) + (kFirstReservedGdtPage + 1) * kPageSize, zero_frame_, false);
    for (unsigned p = 0; p < kFirstReservedGdtPage; ++p)
      map_hv_page(gdt_va(v.id) + p * kPageSize, zero_frame_, false);
    for (unsigned p = 0; p < 16; ++p) map_hv_page(ldt_va(v.id) + p * kPageSize, zero_frame_, false);
    const uint32_t tss = alloc_xen_frame();
    // The I/O permission bitmap starts beyond the TSS limit: no port is open to ring 1 or 3
    // on the processor, so guest port I/O always faults and is emulated under the virtual IOPL.
    const uint16_t no_iomap = 0x68;
    std::memcpy(frame_ptr(tss) + 102, &no_iomap, 2);
    map_hv_page(tss_va(v.id), tss, true);
    reserved_gdt_.push_back(reserved);
  }
}

void Hypervisor::map_hv_page(uint32_t va, uint32_t mfn, bool writable) {
  const uint32_t l1 = va >= kTssStart ? tss_l1_ : percpu_l1_;
  const uint64_t e = (uint64_t(mfn) << kPageShift) | pte::P | pte::A | pte::D | (writable ? pte::RW : 0);
  std::memcpy(frame_ptr(l1) + ((va >> kPageShift) & 511) * 8, &e, 8);
  for (auto& c : cpus_) c->mmu().invlpg(va);
}

void Hypervisor::load_gdt(Vcpu& v) {
  for (unsigned p = 0; p < kMaxGuestGdtFrames; ++p)
    map_hv_page(gdt_va(v.id) + p * kPageSize, p < v.gdt_frames.size() ? v.gdt_frames[p] : zero_frame_,
                true);
  Cpu& c = *v.cpu;
  c.s.gdtr.base = gdt_va(v.id);
  c.s.gdtr.limit = kGdtLimit;
}

void Hypervisor::load_cr3(Vcpu& v, uint32_t l3_mfn) {
  v.cr3_mfn = l3_mfn;
  Cpu& c = *v.cpu;
  c.write_cr3(l3_mfn << kPageShift);
}

void Hypervisor::console_write(const std::string& text) {
  console_ += text;
  if (console_sink_)
    for (char ch : text) console_sink_(ch);
}

void Hypervisor::shutdown(ShutdownReason r) {
  if (dom_.shutdown == ShutdownReason::None) dom_.shutdown = r;
  end_ = PvRunResult{PvEnd::Shutdown, StopReason::Requested, dom_.shutdown};
  for (auto& c : cpus_) c->request_stop();
}

void Hypervisor::crash(Vcpu& v, const std::string& why) {
  if (dom_.crash_reason.empty()) {
    dom_.crash_reason = "vcpu " + std::to_string(v.id) + ": " + why;
    if (event_log_) std::fprintf(event_log_, "pvlab: domain crashed: %s\n", dom_.crash_reason.c_str());
  }
  shutdown(ShutdownReason::Crash);
}

bool Hypervisor::intercept(Cpu& c, const Event& e) {
  Vcpu& v = vcpu_of(c);
  if (e.kind == EventKind::SoftInt && e.vector == kHypercallVector && c.s.cpl == 1 &&
      c.s.mode == CpuMode::Protected) {
    if (PVLAB_UNLIKELY(timing_hook_ != nullptr)) {
      const uint64_t b = bounces_;
      timing_hook_->hv_enter(c, HvEntry::Hypercall, c.s.r[EAX]);
      hypercall(c, v, e);
      timing_hook_->hv_exit(c, bounces_ != b);
      return true;
    }
    hypercall(c, v, e);
    return true;
  }
  if (PVLAB_UNLIKELY(timing_hook_ != nullptr))
    timing_hook_->hv_enter(c, e.kind == EventKind::HwInt ? HvEntry::Interrupt : HvEntry::Exception, 0);
  if (event_log_) {
    static const char* kinds[] = {"fault", "trap", "int", "int3", "irq", "nmi"};
    std::fprintf(event_log_, "pvlab: [cycle %llu] vcpu %u %s vector %u", (unsigned long long)c.s.cycles,
                 v.id, kinds[unsigned(e.kind)], e.vector);
    if (e.has_error) std::fprintf(event_log_, " error %#x", e.error);
    std::fprintf(event_log_, " at %04x:%08x\n", c.s.seg[CS].sel, c.s.eip);
  }
  const uint64_t bounces = bounces_;
  const uint64_t cycle = c.s.cycles;
  const uint16_t cs = c.s.seg[CS].sel;
  const uint32_t eip = (e.kind == EventKind::Fault) ? c.s.eip : e.return_eip;
  const bool ok = deliver_guest_event(*this, v, e);
  if (!ok && dom_.shutdown == ShutdownReason::None)
    crash(v, "could not deliver vector " + std::to_string(e.vector));
  if (trace_sink_) {
    static const char* kinds[] = {"fault", "trap", "int", "int3", "irq", "nmi"};
    TraceEvent t(cycle, v.id, "exception", std::string(kinds[unsigned(e.kind)]) + " " + std::to_string(e.vector));
    t.str("type", kinds[unsigned(e.kind)]).num("vector", e.vector);
    if (e.has_error) t.hex("error", e.error);
    t.hex("cs", cs).hex("eip", eip);
    t.str("outcome", !ok ? "crash" : bounces_ != bounces ? "bounced" : "handled");
    trace_sink_->event(t);
  }
  if (PVLAB_UNLIKELY(timing_hook_ != nullptr)) timing_hook_->hv_exit(c, bounces_ != bounces);
  return true;
}

uint64_t Hypervisor::trace_cycle() const {
  return current_ ? current_->cpu->s.cycles : now();
}

unsigned Hypervisor::trace_vcpu() const { return current_ ? current_->id : 0; }

void Hypervisor::hypercall(Cpu& c, Vcpu& v, const Event& e) {
  const uint32_t nr = c.s.r[EAX];
  c.s.eip = e.return_eip;
  HypercallOutcome out;
  const int32_t result =
      dispatch_hypercall(v, nr, {c.s.r[EBX], c.s.r[ECX], c.s.r[EDX], c.s.r[ESI], c.s.r[EDI]}, out);
  if (out.preempted && dom_.shutdown == ShutdownReason::None) {
    // A continuation: back to the `int $0x82` (2 bytes) with the arguments of what is left.
    c.s.eip = e.return_eip - 2;
    c.s.r[EAX] = nr;
    // Only the registers of the call's own arguments: the others are the guest's.
    const unsigned regs[5] = {EBX, ECX, EDX, ESI, EDI};
    for (unsigned i = 0; i < out.nargs; ++i) c.s.r[regs[i]] = out.args[i];
    c.end_block();
    return;
  }
  if (!out.handled_eip) c.s.r[EAX] = uint32_t(result);
}

int32_t Hypervisor::dispatch_hypercall(Vcpu& v, uint32_t nr, const std::array<uint32_t, 5>& args,
                                       bool& handled_eip) {
  HypercallOutcome out;
  const int32_t result = dispatch_hypercall(v, nr, args, out);
  handled_eip = out.handled_eip;
  return result;
}

int32_t Hypervisor::dispatch_hypercall(Vcpu& v, uint32_t nr, const std::array<uint32_t, 5>& args,
                                       HypercallOutcome& out) {
  HypercallCtx ctx{*this, dom_, v, args, {}, false, false, {}};
  const uint64_t cycle = v.cpu->s.cycles;
  int32_t result;
  if (const HypercallDef* d = table_.find(nr)) {
    result = d->fn(ctx);
  } else {
    result = ctx.reject(-XEN_ENOSYS, "no such hypercall");
  }
  out.handled_eip = ctx.handled_eip;
  out.preempted = ctx.preempted;
  out.args = ctx.cont_args;
  out.nargs = ctx.preempted ? table_.arg_count(nr) : 0;
  HypercallRecord rec{cycle, dom_.id, uint8_t(v.id), nr, ctx.arg, result, std::move(ctx.reason)};
  FILE* log = hcall_log_ ? hcall_log_ : (result < 0 ? refusal_log_ : nullptr);
  if (log) std::fprintf(log, "pvlab: [cycle %llu] %s\n", (unsigned long long)cycle,
                        format_hypercall(table_, rec).c_str());
  if (trace_sink_) {
    const char* hname = table_.name(nr);
    TraceEvent t(cycle, v.id, "hypercall", hname ? hname : "hypercall_" + std::to_string(nr));
    t.dur = v.cpu->s.cycles - cycle;
    t.num("nr", nr);
    std::string arglist = "[";
    for (unsigned i = 0; i < 5; ++i) {
      char b[16];
      std::snprintf(b, sizeof b, "%s\"0x%x\"", i ? "," : "", rec.arg[i]);
      arglist += b;
    }
    t.fields.push_back({"args", arglist + "]"});
    t.num("result", result);
    if (!rec.reason.empty()) t.str("reason", rec.reason);
    t.str("text", format_hypercall(table_, rec));
    trace_sink_->event(t);
  }
  if (result < 0 && debug_hooks_ && is_update_hypercall(nr)) {
    RefusedUpdate r{v.id, true, nr, result, v.cpu->s.eip,
                      table_.name(nr) ? table_.name(nr) : "?", rec.reason};
    debug_hooks_->update_refused(v, r);
  }
  log_.add(std::move(rec));
  return result;
}

bool is_update_hypercall(uint32_t nr) {
  switch (nr) {
    case __HYPERVISOR_mmu_update:
    case __HYPERVISOR_mmuext_op:
    case __HYPERVISOR_update_va_mapping:
    case __HYPERVISOR_update_va_mapping_otherdomain:
    case __HYPERVISOR_set_gdt:
    case __HYPERVISOR_update_descriptor: return true;
    default: return false;
  }
}

bool Hypervisor::idle(Cpu& c) { return sched_idle(*this, vcpu_of(c)); }

void Hypervisor::deadline(Cpu& c) { sched_deadline(*this, vcpu_of(c)); }

// Upcalls arrive as interrupts, so they are taken at instruction boundaries with the rest of
// the CPU's checks; the hint keeps the common case (nothing raised) to one test.
bool Hypervisor::irq_pending() {
  return current_ && current_->ev.upcall_hint && events_upcall_ready(*this, *current_);
}

uint8_t Hypervisor::irq_ack() { return kEventUpcallVector; }

uint64_t Hypervisor::now() const {
  uint64_t t = dom_.sched.idle_clock;
  for (auto& c : cpus_) t = std::max(t, c->s.cycles);
  return t;
}

PvRunResult Hypervisor::run(uint64_t max_insns) {
  end_.reset();
  if (dom_.shutdown != ShutdownReason::None)
    return PvRunResult{PvEnd::Shutdown, StopReason::None, dom_.shutdown};
  return sched_run(*this, max_insns);
}

}  // namespace pvlab::hyper

namespace pvlab::hyper {

// Flat ring-1 state from the reserved GDT entries: the state a domain's first instruction
// (and a vcpu brought up without a context) runs in.
void Hypervisor::enter_ring1(Vcpu& v, uint32_t eip, uint32_t esp) {
  Cpu& c = *v.cpu;
  auto load = [&c](unsigned seg, uint16_t sel) {
    uint64_t desc = 0;
    c.read_descriptor(sel, desc);
    Cpu::cache_from_descriptor(c.s.seg[seg], sel, desc);
    Cpu::refresh_cache_flags(c.s.seg[seg], c.s.mode);
  };
  c.s.cpl = 1;
  load(CS, kSelRing1Code);
  for (unsigned seg : {unsigned(SS), unsigned(DS), unsigned(ES), unsigned(FS), unsigned(GS)})
    load(seg, kSelRing1Data);
  c.s.tr.sel = kSelTss;
  c.s.tr.base = tss_va(v.id);
  c.s.tr.limit = 0x67;
  c.s.tr.attr = sa::P | 11;
  c.s.eip = eip;
  c.s.r[ESP] = esp;
  c.s.halted = 0;
}

}  // namespace pvlab::hyper
