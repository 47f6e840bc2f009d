#include "cpu/timing/engine_common.h"

namespace pvlab {

void EngineCommon::hook_on(Cpu& cpu, uint64_t* walk_counter) {
  cpu_ = &cpu;
  std::memcpy(pre_, cpu.s.r, sizeof pre_);
  expect_eip_ = cpu.s.eip;
  itlb_seen_ = cpu.mmu().itlb().stats().misses;
  dtlb_seen_ = cpu.mmu().dtlb().stats().misses;
  cpu.mmu().set_cycle_counter(walk_counter);
  if (cfg_.walk_caches) cpu.mmu().set_walk_pricer(this);
  cpu.add_retire_hook(this, hook_rank::kTiming);
}

void EngineCommon::detach(Cpu& cpu) {
  cpu.remove_retire_hook(this);
  cpu.mmu().set_cycle_counter(&cpu.s.cycles);
  cpu.mmu().set_walk_pricer(nullptr);
  cpu_ = nullptr;
}

void EngineCommon::hv_enter(Cpu& cpu, HvEntry kind, uint32_t) {
  uint64_t c = cfg_.hv_entry;
  ++st_.hv_entries;
  if (kind == HvEntry::Hypercall) {
    c += cfg_.hv_hypercall;
    ++st_.hv_hypercalls;
  }
  if (cfg_.hv_flush_on_entry) {
    cpu.mmu().flush(true);
    ++st_.hv_flushes;
  }
  hv_cycles(cpu, c);
}

void EngineCommon::hv_exit(Cpu& cpu, bool bounced) {
  uint64_t c = cfg_.hv_exit;
  if (bounced) {
    c += cfg_.hv_bounce;
    ++st_.hv_bounces;
  }
  hv_cycles(cpu, c);
}

void EngineCommon::hv_work(Cpu& cpu, uint64_t maddr, bool write) {
  ++st_.hv_checked;
  const uint64_t c = cfg_.hv_per_entry + mem_.hv_access(maddr, write);
  st_.hv_work_cycles += c;
  hv_cycles(cpu, c);
}

TimingStats EngineCommon::stats() const {
  TimingStats t = st_;
  t.branches = bp_.stats();
  t.cycles = 0;
  for (uint64_t c : st_.cpi) t.cycles += c;
  return t;
}

void EngineCommon::make_shape(Cpu& cpu, const Insn& insn, uint32_t eip, InsnShape& sh, uint64_t gen) {
  shape_insn(insn, sh);
  sh.func = funcs_ ? funcs_->find(cpu.s.seg[CS].base + eip) : -1;
  sh.fstats = funcs_ ? &fn_[size_t(sh.func + 1)] : nullptr;
  sh.key = gen == shape_gen_ ? &insn : nullptr;
  sh.gen = gen;
  shape_gen_ = gen;
}

void EngineCommon::set_functions(std::shared_ptr<const FunctionMap> map) {
  funcs_ = std::move(map);
  fn_.assign(funcs_ ? funcs_->size() + 1 : 0, FunctionStats{});
  for (InsnShape& sh : shapes_) sh.key = nullptr;   // shapes carry the function index
}

}  // namespace pvlab
