// The debugging session (frontend/session.h): run control in slices, breakpoints handed to
// the CPU, registers and memory through side-effect-free paths, and the session's thread.
#include "frontend/session.h"

#include <algorithm>

#include "frontend/session_catch.h"
#include "frontend/reverse_history.h"
#include "frontend/state_dump.h"
#include "hyper/hypervisor.h"
#include "hyper/layout.h"

namespace pvlab {

namespace {

constexpr RegInfo kRegs[] = {
    {"eax", 32, true, "general"},      {"ecx", 32, true, "general"},
    {"edx", 32, true, "general"},      {"ebx", 32, true, "general"},
    {"esp", 32, true, "general"},      {"ebp", 32, true, "general"},
    {"esi", 32, true, "general"},      {"edi", 32, true, "general"},
    {"eip", 32, true, "general"},      {"eflags", 32, true, "general"},
    {"cs", 32, true, "segment"},       {"ss", 32, true, "segment"},
    {"ds", 32, true, "segment"},       {"es", 32, true, "segment"},
    {"fs", 32, true, "segment"},       {"gs", 32, true, "segment"},
    {"cr0", 32, true, "system"},       {"cr2", 32, true, "system"},
    {"cr3", 32, true, "system"},       {"cr4", 32, true, "system"},
    {"efer", 64, true, "system"},
    {"dr0", 32, true, "system"},       {"dr1", 32, true, "system"},
    {"dr2", 32, true, "system"},       {"dr3", 32, true, "system"},
    {"dr6", 32, true, "system"},       {"dr7", 32, true, "system"},
    {"gdtr_base", 32, true, "system"}, {"gdtr_limit", 32, true, "system"},
    {"idtr_base", 32, true, "system"}, {"idtr_limit", 32, true, "system"},
    {"ldtr", 32, true, "system"},      {"tr", 32, true, "system"},
    {"es_base", 32, true, "segment"},  {"cs_base", 32, true, "segment"},
    {"ss_base", 32, true, "segment"},  {"ds_base", 32, true, "segment"},
    {"fs_base", 32, true, "segment"},  {"gs_base", 32, true, "segment"},
    {"es_limit", 32, true, "segment"}, {"cs_limit", 32, true, "segment"},
    {"ss_limit", 32, true, "segment"}, {"ds_limit", 32, true, "segment"},
    {"fs_limit", 32, true, "segment"}, {"gs_limit", 32, true, "segment"},
    {"cpl", 32, false, "system"},
};
static_assert(std::size(kRegs) == size_t(Reg::kCount));

// Reg::CS.. order (gdb's: cs ss ds es fs gs) to the CPU's segment numbers.
constexpr SegReg kSegOf[6] = {CS, SS, DS, ES, FS, GS};
// Reg::ES_BASE.. order (the CPU's own: es cs ss ds fs gs).
constexpr SegReg kSegOrder[6] = {ES, CS, SS, DS, FS, GS};

}  // namespace

const RegInfo& reg_info(Reg r) { return kRegs[size_t(r)]; }

std::optional<Reg> reg_by_name(const std::string& name) {
  for (size_t k = 0; k < std::size(kRegs); ++k)
    if (name == kRegs[k].name) return Reg(k);
  return std::nullopt;
}

const char* stop_why_name(StopInfo::Why w) {
  switch (w) {
    case StopInfo::Why::Step: return "step";
    case StopInfo::Why::Breakpoint: return "breakpoint";
    case StopInfo::Why::Watchpoint: return "watchpoint";
    case StopInfo::Why::Event: return "caught event";
    case StopInfo::Why::Paused: return "paused";
    case StopInfo::Why::Ended: return "ended";
    case StopInfo::Why::Upcall: return "event upcall";
    case StopInfo::Why::Rejected: return "refused update";
    case StopInfo::Why::HistoryBegin: return "start of history";
  }
  return "?";
}

// ---- construction, locking -----------------------------------------------------------------

Session::Session(std::unique_ptr<Target> target) : target_(std::move(target)) {
  last_.text = "not started";
}

Session::~Session() {
  if (thread_.joinable()) {
    pause();
    {
      std::lock_guard<std::mutex> g(qmu_);
      quit_ = true;
    }
    qcv_.notify_all();
    thread_.join();
  }
  for (unsigned i = 0; i < target_->vcpus(); ++i) target_->cpu(i).set_debug_breaks(nullptr);
  if (hyper::Hypervisor* hv = target_->hypervisor()) hv->set_debug_hooks(nullptr);
}

Session::Lock::Lock(Session& s) : s(s) {
  ++s.waiters_;
  s.mu_.lock();
  --s.waiters_;
}

Session::Lock::~Lock() { s.mu_.unlock(); }

void Session::select_vcpu(unsigned v) {
  Lock l(*this);
  if (v < target_->vcpus()) vcpu_ = v;
}

bool Session::ended() {
  Lock l(*this);
  return target_->ended();
}

int Session::exit_status() {
  Lock l(*this);
  return target_->exit_status();
}

std::string Session::console() {
  Lock l(*this);
  return target_->console();
}

StopInfo Session::last_stop() {
  Lock l(*this);
  return last_;
}

// ---- breakpoints ---------------------------------------------------------------------------

void Session::sync_breaks() {
  breaks_.lin.clear();
  breaks_.phys.clear();
  breaks_.watch.clear();
  for (const BreakpointInfo& b : bps_) (b.phys ? breaks_.phys.push_back(b.addr) : breaks_.lin.push_back(uint32_t(b.addr)));
  if (temp_bp_) breaks_.lin.push_back(*temp_bp_);
  std::sort(breaks_.lin.begin(), breaks_.lin.end());
  std::sort(breaks_.phys.begin(), breaks_.phys.end());
  for (const WatchpointInfo& w : wps_) breaks_.watch.push_back(w.w);
  for (unsigned i = 0; i < target_->vcpus(); ++i) target_->cpu(i).set_debug_breaks(&breaks_);
}

int Session::add_breakpoint(uint64_t addr, bool phys) {
  Lock l(*this);
  for (const BreakpointInfo& b : bps_)
    if (b.addr == addr && b.phys == phys) return b.id;
  bps_.push_back({next_id_++, phys ? addr : uint32_t(addr), phys});
  sync_breaks();
  return bps_.back().id;
}

bool Session::remove_breakpoint(int id) {
  Lock l(*this);
  auto it = std::find_if(bps_.begin(), bps_.end(), [id](const BreakpointInfo& b) { return b.id == id; });
  if (it == bps_.end()) return false;
  bps_.erase(it);
  sync_breaks();
  return true;
}

bool Session::remove_breakpoint_at(uint64_t addr, bool phys) {
  int id = 0;
  {
    Lock l(*this);
    for (const BreakpointInfo& b : bps_)
      if (b.addr == addr && b.phys == phys) id = b.id;
  }
  return id && remove_breakpoint(id);
}

int Session::add_watchpoint(const Watchpoint& w) {
  Lock l(*this);
  wps_.push_back({next_id_++, w});
  sync_breaks();
  return wps_.back().id;
}

bool Session::remove_watchpoint(int id) {
  Lock l(*this);
  auto it = std::find_if(wps_.begin(), wps_.end(), [id](const WatchpointInfo& w) { return w.id == id; });
  if (it == wps_.end()) return false;
  wps_.erase(it);
  sync_breaks();
  return true;
}

bool Session::remove_watchpoint_at(const Watchpoint& w) {
  int id = 0;
  {
    Lock l(*this);
    for (const WatchpointInfo& x : wps_)
      if (x.w.addr == w.addr && x.w.len == w.len && x.w.kind == w.kind && x.w.phys == w.phys) id = x.id;
  }
  return id && remove_watchpoint(id);
}

void Session::clear_breakpoints() {
  Lock l(*this);
  bps_.clear();
  wps_.clear();
  sync_breaks();
}

std::vector<BreakpointInfo> Session::breakpoints() {
  Lock l(*this);
  return bps_;
}

std::vector<WatchpointInfo> Session::watchpoints() {
  Lock l(*this);
  return wps_;
}

void Session::catch_vector(uint8_t vector, bool on) {
  Lock l(*this);
  breaks_.catch_vector.set(vector, on);
  sync_breaks();
}

bool Session::catch_hypercall(std::optional<uint32_t> nr, bool on, bool failed_only) {
  Lock l(*this);
  if (!target_->hypervisor()) return false;
  auto& list = breaks_.catch_eax;
  if (!nr) {
    breaks_.catch_eax_any = on;
  } else if (on) {
    if (std::find(list.begin(), list.end(), *nr) == list.end()) list.push_back(*nr);
  } else {
    list.erase(std::remove(list.begin(), list.end(), *nr), list.end());
  }
  hcall_failed_only_ = on ? failed_only : hcall_failed_only_;
  breaks_.soft_vector = (breaks_.catch_eax_any || !list.empty()) ? hyper::kHypercallVector : 256;
  sync_breaks();
  return true;
}

void Session::clear_catches() {
  Lock l(*this);
  breaks_.catch_vector.reset();
  breaks_.catch_eax.clear();
  breaks_.catch_eax_any = false;
  breaks_.soft_vector = 256;
  hcall_failed_only_ = false;
  sync_breaks();
  if (hyper::Hypervisor* hv = target_->hypervisor()) hv->set_debug_hooks(nullptr);
  pv_catches_.reset();
}

// ---- running -------------------------------------------------------------------------------

StopInfo Session::make_stop(StopInfo::Why why, std::optional<unsigned> vcpu) {
  StopInfo s;
  if ((why == StopInfo::Why::Upcall || why == StopInfo::Why::Rejected) && pv_hit_) s = *pv_hit_;
  s.why = why;
  // Views and steps follow the vcpu that stopped, as gdb's all-stop mode does.
  if (why != StopInfo::Why::Ended) vcpu_ = vcpu ? *vcpu : pv_hit_ ? pv_hit_->vcpu : target_->current_vcpu();
  if (vcpu_ >= target_->vcpus()) vcpu_ = 0;
  s.vcpu = vcpu_;
  Cpu& c = cur();
  s.pc = c.s.seg[CS].base + c.s.eip;
  s.hit = breaks_.hit;
  bp_stood_.resize(target_->vcpus(), ~0u);
  if (why == StopInfo::Why::Breakpoint) bp_stood_[vcpu_] = s.pc;
  char buf[160];
  switch (why) {
    case StopInfo::Why::Upcall:
    case StopInfo::Why::Rejected:
      return s;
    case StopInfo::Why::Ended:
      s.exit_status = target_->exit_status();
      s.text = target_->end_text();
      return s;
    case StopInfo::Why::Watchpoint:
      std::snprintf(buf, sizeof buf, "watchpoint: %s of %#llx", s.hit.access == watch::kWrite ? "write" : "read",
                    (unsigned long long)s.hit.addr);
      break;
    case StopInfo::Why::Event:
      if (target_->hypervisor() && s.hit.vector == hyper::kHypercallVector && s.hit.event_kind == uint8_t(EventKind::SoftInt)) {
        const auto& recent = target_->hypervisor()->hypercall_log().recent();
        std::string call = recent.empty() ? std::string("?")
                                          : hyper::format_hypercall(target_->hypervisor()->hypercalls(), recent.back());
        std::snprintf(buf, sizeof buf, "hypercall %u: ", s.hit.eax);
        s.text = buf + call;
        return s;
      }
      std::snprintf(buf, sizeof buf, "event: vector %u%s raised at %#x", s.hit.vector,
                    s.hit.has_error ? (" error " + std::to_string(s.hit.error)).c_str() : "", s.hit.eip);
      break;
    default:
      std::snprintf(buf, sizeof buf, "%s at %#x", stop_why_name(why), s.pc);
      break;
  }
  s.text = buf;
  return s;
}

StopInfo Session::run(RunMode mode, uint32_t addr) {
  pause_ = false;
  running_ = true;
  StopInfo s = run_locked_slices(mode, addr);
  {
    Lock l(*this);
    last_ = s;
  }
  running_ = false;
  return s;
}

StopInfo Session::run_locked_slices(RunMode mode, uint32_t addr) {
  std::unique_lock<std::mutex> lock(mu_);
  if (mode == RunMode::ReverseStep || mode == RunMode::ReverseContinue) {
    if (!rev_) {
      StopInfo s = make_stop(StopInfo::Why::Paused);
      s.text = "reverse execution is not enabled (--reverse)";
      return s;
    }
    if (rev_->dirty) rev_before_run();
    bp_stood_.clear();   // every vcpu goes somewhere else
    return mode == RunMode::ReverseStep ? rev_step_locked() : rev_continue_locked();
  }
  if (target_->ended()) return make_stop(StopInfo::Why::Ended);
  if (rev_) rev_before_run();
  breaks_.hit = DebugHit{};
  pv_hit_.reset();
  // A step steps the selected vcpu: its turn starts now.
  if (mode == RunMode::Step || mode == RunMode::StepOver) {
    if (rev_) rev_note_focus(vcpu_);
    target_->focus_vcpu(vcpu_);
  }
  Cpu& c = cur();
  const uint32_t pc = c.s.seg[CS].base + c.s.eip;
  const uint32_t esp0 = c.s.r[ESP];
  bool over_call = false;
  if (mode == RunMode::StepOver) {
    const InsnInfo ii = insn_info(c, pc);
    if (ii.len && (ii.call || ii.interrupt || ii.rep_string)) {
      temp_bp_ = pc + ii.len;
      over_call = ii.call;
    } else {
      mode = RunMode::Step;
    }
  } else if (mode == RunMode::RunTo) {
    temp_bp_ = addr;
  }
  sync_breaks();
  // Resuming leaves the breakpoint the selected vcpu stands on, and any other vcpu's that it
  // stopped at and has not left (once); every other one fires, also where a vcpu stands
  // that has not run its instruction yet (after going back, a vcpu can wait on one).
  for (unsigned i = 0; i < target_->vcpus(); ++i) {
    Cpu& ci = target_->cpu(i);
    if (i == vcpu_ || (i < bp_stood_.size() && bp_stood_[i] == ci.s.seg[CS].base + ci.s.eip))
      ci.skip_breakpoint_at_eip();
  }
  auto total_insns = [this] {
    uint64_t t = 0;
    for (unsigned i = 0; i < target_->vcpus(); ++i) t += target_->cpu(i).s.insns;
    return t;
  };
  auto finish = [&](StopInfo::Why why) {
    const std::optional<uint32_t> target = temp_bp_;
    temp_bp_.reset();
    sync_breaks();
    // Step over ends at its own breakpoint as a step.
    if (why == StopInfo::Why::Breakpoint && mode == RunMode::StepOver && target &&
        cur().s.seg[CS].base + cur().s.eip == *target)
      why = StopInfo::Why::Step;
    return make_stop(why);
  };
  for (;;) {
    uint64_t budget = mode == RunMode::Step ? 1 : kSliceInsns;
    if (insn_limit_) {
      const uint64_t done = total_insns();
      if (done >= insn_limit_) {
        target_->end_by_limit();
        return finish(StopInfo::Why::Ended);
      }
      budget = std::min(budget, insn_limit_ - done);
    }
    breaks_.hit = DebugHit{};
    pv_hit_.reset();
    const TargetRun r = target_->run(budget);
    if (rev_) rev_after_run(r.ended);
    if (r.ended) return finish(StopInfo::Why::Ended);
    if (r.stop == StopReason::Breakpoint) {
      if (pv_hit_) return finish(pv_hit_->why);
      const DebugHit& h = breaks_.hit;
      const uint32_t now = cur().s.seg[CS].base + cur().s.eip;
      if (h.kind == DebugHit::Kind::Breakpoint && temp_bp_ && now == *temp_bp_ && over_call &&
          cur().s.r[ESP] < esp0) {
        // The call's target reached the return address deeper down (recursion): go on.
        cur().skip_breakpoint_at_eip();
        continue;
      }
      if (h.kind == DebugHit::Kind::Event && hcall_failed_only_ && target_->hypervisor() &&
          h.event_kind == uint8_t(EventKind::SoftInt) && h.vector == hyper::kHypercallVector) {
        const auto& recent = target_->hypervisor()->hypercall_log().recent();
        if (!recent.empty() && recent.back().result >= 0) continue;
      }
      if (h.kind == DebugHit::Kind::Watch) return finish(StopInfo::Why::Watchpoint);
      if (h.kind == DebugHit::Kind::Event) return finish(StopInfo::Why::Event);
      return finish(StopInfo::Why::Breakpoint);
    }
    if (mode == RunMode::Step) return finish(StopInfo::Why::Step);
    if (r.stop == StopReason::Requested) return finish(StopInfo::Why::Paused);
    // The slice ran out: let waiting views in, then go on unless paused.
    lock.unlock();
    while (waiters_.load() > 0) std::this_thread::yield();
    lock.lock();
    if (pause_.load()) return finish(StopInfo::Why::Paused);
  }
}

void Session::pause() {
  if (running_.load()) pause_ = true;
}

void Session::start(RunMode mode, uint32_t addr) {
  pause_ = false;
  running_ = true;
  {
    std::lock_guard<std::mutex> g(qmu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { worker(); });
    job_ = true;
    job_mode_ = mode;
    job_addr_ = addr;
    result_.reset();
  }
  qcv_.notify_all();
}

void Session::worker() {
  std::unique_lock<std::mutex> g(qmu_);
  for (;;) {
    qcv_.wait(g, [this] { return job_ || quit_; });
    if (quit_) return;
    job_ = false;
    const RunMode mode = job_mode_;
    const uint32_t addr = job_addr_;
    g.unlock();
    StopInfo s = run_locked_slices(mode, addr);
    {
      Lock l(*this);
      last_ = s;
    }
    g.lock();
    result_ = std::move(s);
    running_ = false;
    qcv_.notify_all();
  }
}

std::optional<StopInfo> Session::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> g(qmu_);
  if (!qcv_.wait_for(g, timeout, [this] { return result_.has_value(); })) return std::nullopt;
  std::optional<StopInfo> r = std::move(result_);
  result_.reset();
  return r;
}

// ---- registers -----------------------------------------------------------------------------

uint64_t Session::reg(Reg r) {
  Lock l(*this);
  Cpu& c = cur();
  const CpuState& s = c.s;
  const unsigned k = unsigned(r);
  if (r <= Reg::EDI) return s.r[k];
  if (r >= Reg::CS && r <= Reg::GS) return s.seg[kSegOf[k - unsigned(Reg::CS)]].sel;
  if (r >= Reg::ES_BASE && r <= Reg::GS_BASE) return s.seg[kSegOrder[k - unsigned(Reg::ES_BASE)]].base;
  if (r >= Reg::ES_LIMIT && r <= Reg::GS_LIMIT) return s.seg[kSegOrder[k - unsigned(Reg::ES_LIMIT)]].limit;
  if (r >= Reg::DR0 && r <= Reg::DR3) return s.dr[k - unsigned(Reg::DR0)];
  switch (r) {
    case Reg::EIP: return s.eip;
    case Reg::EFLAGS: return c.flags();
    case Reg::CR0: return s.cr0;
    case Reg::CR2: return s.cr2;
    case Reg::CR3: return s.cr3;
    case Reg::CR4: return s.cr4;
    case Reg::EFER: return s.msr.efer;
    case Reg::DR6: return s.dr[6];
    case Reg::DR7: return s.dr[7];
    case Reg::GDTR_BASE: return s.gdtr.base;
    case Reg::GDTR_LIMIT: return s.gdtr.limit;
    case Reg::IDTR_BASE: return s.idtr.base;
    case Reg::IDTR_LIMIT: return s.idtr.limit;
    case Reg::LDTR: return s.ldtr.sel;
    case Reg::TR: return s.tr.sel;
    case Reg::CPL: return s.cpl;
    default: return 0;
  }
}

bool Session::set_reg(Reg r, uint64_t value, std::string& error) {
  Lock l(*this);
  if (rev_) rev_->dirty = true;
  Cpu& c = cur();
  CpuState& s = c.s;
  const unsigned k = unsigned(r);
  const uint32_t v = uint32_t(value);
  if (r >= Reg::kCount || !reg_info(r).writable) {
    error = "read-only register";
    return false;
  }
  if (r <= Reg::EDI) {
    s.r[k] = v;
    return true;
  }
  auto load_desc = [&](SegCache& cache, uint16_t sel, bool system_ok) {
    if (!(sel & ~3u) && c.protected_mode() && !c.v86()) {
      cache = SegCache{};
      cache.sel = sel;
      Cpu::refresh_cache_flags(cache, s.mode);
      return true;
    }
    uint64_t desc;
    if (!read_descriptor_quiet(c, sel, desc)) {
      error = "selector beyond the descriptor table limit or not readable";
      return false;
    }
    if (!system_ok && !((desc >> 44) & 1)) {
      error = "not a code or data segment descriptor";
      return false;
    }
    Cpu::cache_from_descriptor(cache, sel, desc);
    Cpu::refresh_cache_flags(cache, s.mode);
    return true;
  };
  if (r >= Reg::CS && r <= Reg::GS) {
    const SegReg seg = kSegOf[k - unsigned(Reg::CS)];
    const uint16_t sel = uint16_t(v);
    if (!c.protected_mode() || c.v86()) {
      c.load_seg_real(seg, sel);
      return true;
    }
    if (!load_desc(s.seg[seg], sel, false)) return false;
    if (seg == CS) c.set_cpl(sel & 3);
    return true;
  }
  if (r >= Reg::ES_BASE && r <= Reg::GS_BASE) {
    s.seg[kSegOrder[k - unsigned(Reg::ES_BASE)]].base = v;
    return true;
  }
  if (r >= Reg::ES_LIMIT && r <= Reg::GS_LIMIT) {
    s.seg[kSegOrder[k - unsigned(Reg::ES_LIMIT)]].limit = v;
    return true;
  }
  if (r >= Reg::DR0 && r <= Reg::DR3) {
    s.dr[k - unsigned(Reg::DR0)] = v;
    c.update_debug_state();
    return true;
  }
  switch (r) {
    case Reg::EIP: s.eip = v; return true;
    case Reg::EFLAGS: c.set_flags(v, fl::kWritable); return true;
    case Reg::CR2: s.cr2 = v; return true;
    case Reg::CR0:
    case Reg::CR3:
    case Reg::CR4: {
      const bool ok = r == Reg::CR0 ? c.write_cr0(v) : r == Reg::CR3 ? c.write_cr3(v) : c.write_cr4(v);
      if (!ok) error = "the CPU refuses this value (it would raise #GP)";
      return ok;
    }
    case Reg::EFER:
      s.msr.efer = value;
      c.sync_paging();
      c.mmu().flush(true);
      return true;
    case Reg::DR6: s.dr[6] = v; return true;
    case Reg::DR7: s.dr[7] = v; c.update_debug_state(); return true;
    case Reg::GDTR_BASE: s.gdtr.base = v; return true;
    case Reg::GDTR_LIMIT: s.gdtr.limit = uint16_t(v); return true;
    case Reg::IDTR_BASE: s.idtr.base = v; return true;
    case Reg::IDTR_LIMIT: s.idtr.limit = uint16_t(v); return true;
    case Reg::LDTR: return load_desc(s.ldtr, uint16_t(v), true);
    case Reg::TR: return load_desc(s.tr, uint16_t(v), true);
    default: break;
  }
  error = "read-only register";
  return false;
}

// ---- memory --------------------------------------------------------------------------------

size_t Session::read_memory(uint64_t addr, void* dst, size_t n, bool phys) {
  Lock l(*this);
  uint8_t* out = static_cast<uint8_t*>(dst);
  size_t k = 0;
  for (; k < n; ++k) {
    const bool ok = phys ? target_->bus().peek(addr + k, out[k]) : cur().debug_read(uint32_t(addr + k), out + k, 1);
    if (!ok) break;
  }
  return k;
}

size_t Session::write_memory(uint64_t addr, const void* src, size_t n, bool phys) {
  Lock l(*this);
  if (rev_ && n) rev_->dirty = true;
  const uint8_t* in = static_cast<const uint8_t*>(src);
  size_t k = 0;
  for (; k < n; ++k) {
    const bool ok = phys ? target_->bus().poke(addr + k, in[k]) : cur().debug_write(uint32_t(addr + k), in + k, 1);
    if (!ok) break;
  }
  return k;
}

bool Session::translate(uint32_t lin, paddr_t& phys) {
  Lock l(*this);
  return cur().debug_translate(lin, phys);
}

// ---- views ---------------------------------------------------------------------------------

std::string Session::disassemble(uint32_t lin, unsigned count, bool att) {
  Lock l(*this);
  return pvlab::disassemble(cur(), lin, count, att);
}

PageWalkView Session::page_walk(uint32_t lin) {
  Lock l(*this);
  PageWalkView v = page_walk_view(cur(), lin);
  if (target_->hypervisor() && lin >= hyper::kHypervisorStart) v.note = "in the hypervisor area";
  return v;
}

std::string Session::registers_text() {
  Lock l(*this);
  return state_dump(cur());
}

std::string Session::counters_text() {
  Lock l(*this);
  std::string o;
  for (unsigned i = 0; i < target_->vcpus(); ++i) {
    if (target_->vcpus() > 1) o += "vcpu " + std::to_string(i) + ":\n";
    o += format_counters(target_->cpu(i));
  }
  return o;
}

std::string Session::tlb_text() {
  Lock l(*this);
  return format_tlb(cur());
}

std::string Session::descriptor_text(DescTableKind which) {
  Lock l(*this);
  return format_descriptor_table(cur(), which);
}

std::string Session::tss_text() {
  Lock l(*this);
  return format_tss(cur());
}

namespace {
const char* kNotPv = "not a PV domain: this view shows the PV hypervisor's state\n";
}

std::string Session::frames_text(uint32_t first, uint32_t count) {
  Lock l(*this);
  return target_->hypervisor() ? format_frames(*target_->hypervisor(), first, count) : kNotPv;
}

std::string Session::evtchn_text() {
  Lock l(*this);
  return target_->hypervisor() ? format_evtchn(*target_->hypervisor()) : kNotPv;
}

std::string Session::hypercalls_text(unsigned n) {
  Lock l(*this);
  return target_->hypervisor() ? format_hypercalls(*target_->hypervisor(), n) : kNotPv;
}

}  // namespace pvlab
