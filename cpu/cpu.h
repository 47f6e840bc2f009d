// One IA-32 processor: architectural state, the memory access path through segmentation and
// the MMU, exception raising, and the block-at-a-time run loop. Instruction semantics live in
// cpu/interp/, one group per file, all with the Handler signature of cpu/insn.h.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cpu/block_cache.h"
#include "cpu/breakpoints.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/platform.h"
#include "cpu/state.h"
#include "cpu/trace_ring.h"
#include "mmu/mmu.h"

namespace pvlab {

class Decoder;
class StateReader;
class StateWriter;

enum class StopReason : uint8_t {
  None,
  HaltIfOff,     // HLT with interrupts disabled: nothing can wake the CPU
  Idle,          // HLT with IF=1 but the platform has no event that could wake it
  InsnLimit,
  CycleLimit,
  TripleFault,
  Requested,     // the platform or a debugger asked the CPU to stop
  Breakpoint,    // a debugger breakpoint (frontend)
};
const char* stop_reason_name(StopReason r);

struct CpuConfig {
  MmuConfig mmu;
  size_t max_cached_blocks = 1u << 16;
};

// Called for each retired instruction when a run asks for it (timing models, the instruction
// trace, the cpu log). A CPU holds a chain of them (Cpu::add_retire_hook): each retirement
// calls every hook of the chain, in the order of their rank, lower first, and in the order
// they were added within a rank. A timing model, which sets the cycle counter, comes before
// the observers that read it.
class RetireHook {
 public:
  virtual ~RetireHook() = default;
  virtual void retired(Cpu& cpu, const Insn& insn, uint32_t eip) = 0;
};
namespace hook_rank {
constexpr int kTiming = 0;     // sets CpuState::cycles for the instruction
constexpr int kObserve = 10;   // sees the instruction with its final cycle stamp
}  // namespace hook_rank

// Sees every data access (linear address, size, the value read or written) when a run asks
// for it (the instruction trace). Setting one routes memory through the slow path, as a
// watchpoint does, so an unset observer costs nothing.
class MemObserver {
 public:
  virtual ~MemObserver() = default;
  virtual void access(uint32_t lin, unsigned size, uint32_t value, bool write) = 0;
};

class Cpu final : public CodeWriteListener {
 public:
  Cpu(Bus& bus, const CpuConfig& cfg = {});
  ~Cpu() override;
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  CpuState s;

  Bus& bus() { return bus_; }
  Mmu& mmu() { return mmu_; }
  void set_platform(Platform* p) { platform_ = p ? p : &default_platform_; }
  Platform& platform() { return *platform_; }

  // ---- power-on and mode set-up ------------------------------------------------------------
  void reset();                              // the architectural reset state (F000:FFF0)
  // Flat 32-bit protected mode, ring 0, paging off (the Multiboot entry state).
  void enter_flat_protected(uint32_t eip);

  // ---- running -----------------------------------------------------------------------------
  // Run until a stop condition, at most `max_insns` instructions (0: no limit).
  StopReason run(uint64_t max_insns = 0);
  StopReason step();                         // exactly one instruction (or event delivery)
  void request_stop(StopReason r = StopReason::Requested) { stop_ = r; exit_block_ = true; }
  // The stop asked for and not yet taken (None: none).
  StopReason pending_stop() const { return stop_; }
  void set_cycle_limit(uint64_t c) { cycle_limit_ = c; }
  void set_deadline(uint64_t cycle) { deadline_ = cycle; }
  uint64_t deadline() const { return deadline_; }
  // The chain of retire hooks. Change it only while the CPU is not running (not from a
  // hook). Adding a hook already in the chain, or removing one that is not, does nothing.
  // With an empty chain the run loop has no per-instruction call; with one hook it calls
  // that hook directly; with more, one call reaches a fan-out that calls each in turn.
  void add_retire_hook(RetireHook* h, int rank = hook_rank::kObserve);
  void remove_retire_hook(RetireHook* h);
  size_t retire_hooks() const { return hooks_.size(); }
  // Call only while the CPU is not running.
  void set_mem_observer(MemObserver* m) {
    mem_observer_ = m;
    watch_active_ = data_breakpoints_ || align_check_ || dbg_watch_ || mem_observer_;
    exit_block_ = true;
  }
  // Bulk string copies step element by element then, so each access is seen.
  bool mem_observed() const { return mem_observer_ != nullptr; }
  // The instruction being executed now (valid inside handlers).
  uint32_t next_eip = 0;
  void end_block() { exit_block_ = true; }

  // ---- exceptions --------------------------------------------------------------------------
  // Record a fault to deliver once the handler returns false.
  bool raise(uint8_t vector) { return raise_event({EventKind::Fault, vector, false, 0, 0}); }
  bool raise(uint8_t vector, uint32_t error) {
    return raise_event({EventKind::Fault, vector, true, error, 0});
  }
  bool raise_event(const Event& e) {
    pending_ = e;
    has_pending_ = true;
    return false;
  }
  bool gp(uint32_t err = 0) { return raise(exc::GP, err); }
  bool ud() { return raise(exc::UD); }
  // Deliver an event now (INT n, hardware interrupts, and pending faults). Returns false if
  // delivery itself faulted (the nested fault is then pending or escalated).
  bool deliver(const Event& e);
  const std::string& triple_fault_reason() const { return triple_reason_; }

  // ---- flags -------------------------------------------------------------------------------
  uint32_t flags() const { return eflags_of(s); }
  // Write EFLAGS bits selected by `mask` (arithmetic ones included).
  void set_flags(uint32_t value, uint32_t mask);
  bool cond(unsigned cc) const { return eval_cond(s, cc); }

  // ---- segmentation ------------------------------------------------------------------------
  bool protected_mode() const { return s.mode != CpuMode::Real; }
  bool v86() const { return s.mode == CpuMode::V86; }
  bool code32() const { return s.seg[CS].big() && s.mode != CpuMode::V86 && s.mode != CpuMode::Real; }
  // Load a data or stack segment register (MOV/POP/LDS...) with every protected-mode check.
  bool load_seg(unsigned seg, uint16_t sel);
  // Real-mode / V86 style load: base = sel << 4, other attributes kept or set for V86.
  void load_seg_real(unsigned seg, uint16_t sel);
  // Read a descriptor's 8 bytes for `sel` from the GDT or LDT. Faults with #GP(sel & ~3)
  // (or `vec` when given) when the selector is beyond the table limit.
  bool read_descriptor(uint16_t sel, uint64_t& desc, uint8_t vec = exc::GP);
  bool set_descriptor_accessed(uint16_t sel, uint64_t desc);
  static void cache_from_descriptor(SegCache& c, uint16_t sel, uint64_t desc);
  static void refresh_cache_flags(SegCache& c, CpuMode mode);
  void set_cpl(uint8_t cpl) { s.cpl = cpl; }
  // Recompute s.mode from CR0.PE and EFLAGS.VM.
  void update_mode();

  // ---- control registers -------------------------------------------------------------------
  bool write_cr0(uint32_t v);
  bool write_cr3(uint32_t v);
  bool write_cr4(uint32_t v);
  void sync_paging();  // copy CR0/CR3/CR4/EFER and the PDPTE registers into the MMU

  // ---- debug registers (cpu/debug.cpp) -----------------------------------------------------
  // Recompute which DR7 breakpoints are armed. Call after writing DR7 or CR4.DE, and after
  // loading `s` from a snapshot.
  void update_debug_state();
  // Some DR7 breakpoint or a debugger's watchpoint is armed (string instructions then run
  // one element per step so each access is seen).
  bool debug_armed() const { return debug_armed_ || dbg_watch_; }

  // ---- a debugger's breakpoints, watchpoints, catches (cpu/breakpoints.h) -------------------
  // Null or empty: none. Call only while the CPU is not running, after each change.
  void set_debug_breaks(DebugBreaks* b);
  DebugBreaks* debug_breaks() const { return breaks_; }
  // The debugger resumes this CPU where it stopped: a breakpoint at EIP does not fire once
  // (so "continue" leaves a breakpoint), like EFLAGS.RF. Other runs (the next slice, another
  // vcpu's turn) stop at every breakpoint they reach, their first instruction included.
  void skip_breakpoint_at_eip() {
    bp_skip_armed_ = true;
    bp_skip_lin_ = s.seg[CS].base + s.eip;
  }

  // ---- memory ------------------------------------------------------------------------------
  // Segment-relative access with limit and type checks. `rmw` on a read checks write access
  // too (the read half of a read-modify-write).
  PVLAB_INLINE bool read(unsigned seg, uint32_t off, unsigned size, uint32_t& v, bool rmw = false) {
    uint32_t lin;
    if (!seg_check(seg, off, size, rmw ? 2 : 1, lin)) return false;
    return read_lin(lin, size, v, user_access() | (rmw ? unsigned(kWrite) : 0u));
  }
  PVLAB_INLINE bool write(unsigned seg, uint32_t off, unsigned size, uint32_t v) {
    uint32_t lin;
    if (!seg_check(seg, off, size, 2, lin)) return false;
    return write_lin(lin, size, v, user_access());
  }
  bool read64(unsigned seg, uint32_t off, uint64_t& v);
  bool write64(unsigned seg, uint32_t off, uint64_t v);
  // Raise what a write of `size` bytes at seg:off would raise (segment checks, then #PF with
  // the address write_lin would report), writing nothing (INS before its port read, ENTER's
  // check of the final stack pointer).
  bool probe_write(unsigned seg, uint32_t off, unsigned size) {
    uint32_t lin, err;
    if (!seg_check(seg, off, size, 2, lin)) return false;
    const unsigned access = user_access() | kWrite;
    if (!mmu_.translate(lin, access, err)) return page_fault(lin, err);
    const uint32_t last = lin + size - 1;
    if ((last ^ lin) & ~kPageMask) {
      if (!mmu_.translate(last & ~kPageMask, access, err)) return page_fault(last & ~kPageMask, err);
    }
    return true;
  }
  // Check an access and return its linear address; raises #GP/#SS on failure.
  // kind: 1 read, 2 write, 4 execute-only allowed (for fetch checks).
  PVLAB_INLINE bool seg_check(unsigned seg, uint32_t off, unsigned size, unsigned kind, uint32_t& lin) {
    const SegCache& c = s.seg[seg];
    if (PVLAB_LIKELY(c.limit == 0xffffffffu && off <= 0u - size && !c.expand_down &&
                     (kind == 2 ? c.writable : c.readable))) {
      lin = c.base + off;
      return true;
    }
    return seg_check_slow(seg, off, size, kind, lin);
  }
  bool seg_check_slow(unsigned seg, uint32_t off, unsigned size, unsigned kind, uint32_t& lin);

  unsigned user_access() const { return s.cpl == 3 ? unsigned(kUser) : 0u; }

  // Linear access through the D-TLB. `access` carries kUser for CPL 3 data accesses; system
  // accesses (descriptor tables, TSS) pass kRead/kWrite alone.
  PVLAB_INLINE bool read_lin(uint32_t lin, unsigned size, uint32_t& v, unsigned access) {
    if (PVLAB_LIKELY((lin & kPageMask) <= kPageSize - size && !watch_active_)) {
      uint32_t err;
      TlbEntry* e = mmu_.translate(lin, access, err);
      if (PVLAB_UNLIKELY(!e)) return page_fault(lin, err);
      if (PVLAB_LIKELY(e->host != nullptr)) {
        v = load_host(e->host + (lin & kPageMask), size);
        return true;
      }
      v = bus_.read(e->frame | (lin & kPageMask), size);
      return true;
    }
    return read_lin_slow(lin, size, v, access);
  }
  // The host pointer for a data access of `size` bytes at seg:off when nothing but a flat
  // segment and a D-TLB front hit with a host mapping is needed (no fault possible, no
  // watch); nullptr otherwise, having counted nothing: the caller then takes the full path,
  // which raises what it must. `write` asks for write access (and the D bit); the pointer
  // then also serves the read of a read-modify-write. `pa` receives the physical address
  // for Bus::note_tlb_write. `accesses` is how many accesses of the modelled TLB the caller
  // stands for (PUSHA writes its eight slots through one pointer): each counts a hit.
  PVLAB_INLINE uint8_t* fast_host(unsigned seg, uint32_t off, unsigned size, bool write, paddr_t& pa,
                                  unsigned accesses = 1) {
    const SegCache& c = s.seg[seg];
    if (!(c.limit == 0xffffffffu && off <= 0u - size && !c.expand_down &&
          (write ? c.writable : c.readable)))
      return nullptr;
    const uint32_t lin = c.base + off;
    if ((lin & kPageMask) > kPageSize - size || watch_active_) return nullptr;
    Tlb& t = mmu_.dtlb();
    TlbEntry* e = t.front(lin, user_access() | (write ? unsigned(kWrite) : 0u));
    if (!e) return nullptr;
    uint8_t* h = write ? e->host_write : e->host;
    if (PVLAB_UNLIKELY(!h) && (!write || !(h = mmu_.unpark(*e)))) return nullptr;
    t.count_hits(accesses);
    pa = e->frame | (lin & kPageMask);
    return h + (lin & kPageMask);
  }
  PVLAB_INLINE bool write_lin(uint32_t lin, unsigned size, uint32_t v, unsigned access) {
    access |= kWrite;
    if (PVLAB_LIKELY((lin & kPageMask) <= kPageSize - size && !watch_active_)) {
      uint32_t err;
      TlbEntry* e = mmu_.translate(lin, access, err);
      if (PVLAB_UNLIKELY(!e)) return page_fault(lin, err);
      paddr_t pa = e->frame | (lin & kPageMask);
      if (PVLAB_LIKELY(e->host_write != nullptr)) {
        store_host(e->host_write + (lin & kPageMask), size, v);
        bus_.note_tlb_write(pa, size);
        return true;
      }
      if (uint8_t* h = mmu_.unpark(*e)) {   // the first store since the written set was cleared
        store_host(h + (lin & kPageMask), size, v);
        bus_.note_tlb_write(pa, size);
        return true;
      }
      bus_.write(pa, size, v);
      return true;
    }
    return write_lin_slow(lin, size, v, access);
  }
  // Host-memory accesses of 1, 2 or 4 bytes (fixed-size copies the compiler turns into
  // single moves; a variable-size memcpy would be a library call).
  static PVLAB_INLINE uint32_t load_host(const uint8_t* p, unsigned size) {
    if (size == 4) { uint32_t v; std::memcpy(&v, p, 4); return v; }
    if (size == 2) { uint16_t v; std::memcpy(&v, p, 2); return v; }
    if (size == 1) return *p;
    uint32_t v = 0;
    std::memcpy(&v, p, size);
    return v;
  }
  static PVLAB_INLINE void store_host(uint8_t* p, unsigned size, uint32_t v) {
    if (size == 4) std::memcpy(p, &v, 4);
    else if (size == 2) { uint16_t h = uint16_t(v); std::memcpy(p, &h, 2); }
    else if (size == 1) *p = uint8_t(v);
    else std::memcpy(p, &v, size);
  }
  bool read_lin_slow(uint32_t lin, unsigned size, uint32_t& v, unsigned access);
  bool write_lin_slow(uint32_t lin, unsigned size, uint32_t v, unsigned access);
  bool page_fault(uint32_t lin, uint32_t err) {
    s.cr2 = lin;
    return raise(exc::PF, err);
  }
  // Translate for a debugger: no faults, no A/D bits, no TLB fill.
  bool debug_translate(uint32_t lin, paddr_t& pa) const;
  bool debug_read(uint32_t lin, void* dst, size_t n) const;
  // Write for a debugger: no faults, no A/D bits, no TLB fill, read-only pages written too;
  // decoded code on the written frames is dropped. False (and stops) at the first byte
  // that has no translation or no RAM.
  bool debug_write(uint32_t lin, const void* src, size_t n);

  // ---- operands ----------------------------------------------------------------------------
  PVLAB_INLINE uint32_t ea(const Insn& i) const {
    uint32_t a = i.mem.disp;
    if (i.mem.base != 0xff) a += s.r[i.mem.base];
    if (i.mem.index != 0xff) a += s.r[i.mem.index] << i.mem.scale;
    return i.asize == 2 ? (a & 0xffff) : a;
  }
  PVLAB_INLINE uint32_t reg(unsigned r, unsigned size) const {
    if (size == 4) return s.r[r];
    if (size == 2) return s.r[r] & 0xffff;
    return r < 4 ? (s.r[r] & 0xff) : ((s.r[r - 4] >> 8) & 0xff);
  }
  PVLAB_INLINE void set_reg(unsigned r, unsigned size, uint32_t v) {
    if (size == 4) s.r[r] = v;
    else if (size == 2) s.r[r] = (s.r[r] & 0xffff0000u) | (v & 0xffff);
    else if (r < 4) s.r[r] = (s.r[r] & 0xffffff00u) | (v & 0xff);
    else s.r[r - 4] = (s.r[r - 4] & 0xffff00ffu) | ((v & 0xff) << 8);
  }
  // Read / write operand `n` of `i`; `rmw` marks the read of a read-modify-write.
  PVLAB_INLINE bool load(const Insn& i, unsigned n, uint32_t& v, bool rmw = false) {
    const Operand& o = i.op[n];
    switch (o.kind) {
      case OpKind::Reg: v = reg(o.reg, o.size); return true;
      case OpKind::Mem: return read(i.mem.seg, ea(i), o.size, v, rmw);
      case OpKind::Imm: v = o.imm_index ? i.imm2 : i.imm; return true;
      default: return load_other(i, o, v);
    }
  }
  PVLAB_INLINE bool store(const Insn& i, unsigned n, uint32_t v) {
    const Operand& o = i.op[n];
    if (o.kind == OpKind::Reg) {
      set_reg(o.reg, o.size, v);
      return true;
    }
    if (o.kind == OpKind::Mem) return write(i.mem.seg, ea(i), o.size, v);
    return store_other(i, o, v);
  }
  bool load_other(const Insn& i, const Operand& o, uint32_t& v);
  bool store_other(const Insn& i, const Operand& o, uint32_t v);

  // ---- stack -------------------------------------------------------------------------------
  uint32_t sp_mask() const { return s.seg[SS].big() ? 0xffffffffu : 0xffffu; }
  uint32_t sp() const { return s.r[ESP] & sp_mask(); }
  void set_sp(uint32_t v) {
    if (s.seg[SS].big()) s.r[ESP] = v;
    else s.r[ESP] = (s.r[ESP] & 0xffff0000u) | (v & 0xffff);
  }
  bool push(uint32_t v, unsigned size);
  bool pop(uint32_t& v, unsigned size);
  // Read the stack at SP + offset without moving SP (for instructions that pop several values
  // and must not change state before every read succeeded).
  bool stack_read(uint32_t offset, unsigned size, uint32_t& v);
  bool stack_write(uint32_t offset, unsigned size, uint32_t v);

  // ---- ports -------------------------------------------------------------------------------
  // IOPL / TSS bitmap check for IN/OUT/INS/OUTS in protected and V86 mode.
  bool io_allowed(uint16_t port, unsigned size);

  // ---- state as bytes (cpu/state_io.cpp) ----------------------------------------------------
  // CpuState field by field, the event held for delivery, the device deadline and the MMU
  // with both TLBs. load_state() drops the decoded-block cache, which is not state. After a
  // failed load the CPU is unusable until the next successful one.
  void save_state(StateWriter& w) const;
  bool load_state(StateReader& r);

  // ---- decoded-block cache -----------------------------------------------------------------
  BlockCache& blocks() { return blocks_; }
  void code_written(paddr_t addr, unsigned size) override;
  void flush_blocks();

  // Unknown mnemonics reach this handler (#UD); the name is kept for the report.
  std::string last_unimplemented;

  // The blocks entered last, for the state dump (cpu/trace_ring.h).
  const TraceRing& trace() const { return trace_; }

 private:
  struct DefaultPlatform final : Platform {};

  template <bool kHooks>
  StopReason run_loop(uint64_t limit);
  Block* fetch_block();
  // A number that changes whenever what fetch_block() would answer for an EIP may change:
  // I-TLB contents, dropped blocks, or the code segment / CPL / mode.
  uint64_t fetch_stamp();
  struct FetchContext {
    uint32_t cs_base = 0, cs_limit = 0;
    uint16_t cs_attr = 0;
    uint8_t cpl = 0;
    CpuMode mode = CpuMode::Real;
  };
  FetchContext fetch_ctx_;
  uint64_t ctx_epoch_ = 0;
  bool build_block(Block& b, uint32_t eip, paddr_t phys, uint32_t mode_key);
  uint32_t mode_key() const;
  bool fetch_bytes(uint32_t lin, uint8_t* buf, unsigned n, unsigned& got);
  void deliver_pending();
  bool check_interrupts();
  bool exec_one_slow(const Insn& insn);
  template <bool kHooks>
  void step_slow();
  // Debug-register matching (cpu/debug.cpp), used only while a breakpoint is armed.
  bool code_breakpoint();
  // A debugger's breakpoints (cpu/breakpoints.cpp), used only while breaks_ is set.
  unsigned break_room(const Block& b);
  void break_on_access(uint32_t lin, unsigned size, paddr_t pa, paddr_t page2, bool write);
  void break_on_event(const Event& e);
  void note_data_access(uint32_t lin, unsigned size, bool write);
  void note_io_access(uint16_t port, unsigned size);
  void debug_trap(uint32_t dr6_bits);
  bool deliver_real(const Event& e);
  bool deliver_protected(const Event& e);

  Bus& bus_;
  Mmu mmu_;
  BlockCache blocks_;
  std::unique_ptr<Decoder> decoder_;
  DefaultPlatform default_platform_;
  Platform* platform_ = &default_platform_;
  // The chain (by rank, then age) and what the run loop calls: its only hook, or fan_out_.
  struct RankedHook {
    int rank;
    RetireHook* hook;
  };
  class FanOut final : public RetireHook {
   public:
    explicit FanOut(const std::vector<RankedHook>& hooks) : hooks_(hooks) {}
    void retired(Cpu& cpu, const Insn& insn, uint32_t eip) override;
   private:
    const std::vector<RankedHook>& hooks_;
  };
  std::vector<RankedHook> hooks_;
  FanOut fan_out_{hooks_};
  RetireHook* retire_hook_ = nullptr;
  MemObserver* mem_observer_ = nullptr;
  DebugBreaks* breaks_ = nullptr;   // a debugger's breakpoints (null: none)
  bool dbg_watch_ = false;          // breaks_ holds watchpoints
  bool bp_skip_armed_ = false;      // a breakpoint at bp_skip_lin_ does not fire (a resume)
  uint64_t bp_pages_[64] = {};      // bit per page number mod 4096: a breakpoint may be there
  PVLAB_INLINE bool bp_page(uint64_t addr) const {
    const unsigned p = unsigned(addr >> kPageShift) & 4095;
    return (bp_pages_[p >> 6] >> (p & 63)) & 1;
  }
  // break_room() for the run loop: blocks with no breakpoint on their page (and no resume
  // address to skip) are cleared inline.
  PVLAB_INLINE unsigned break_room_quick(const Block& b) {
    if (PVLAB_LIKELY(!bp_skip_armed_ && !bp_page(s.seg[CS].base + s.eip) && !bp_page(b.phys))) return ~0u;
    return break_room(b);
  }
  uint32_t bp_skip_lin_ = 0;
  TraceRing trace_;

  Event pending_;
  bool has_pending_ = false;
  bool exit_block_ = false;
  // Alignment checking (CR0.AM, EFLAGS.AC, CPL 3) is on: recomputed between blocks by
  // update_align_check(); it routes memory through the slow path like data breakpoints.
  bool align_check_ = false;
  bool data_breakpoints_ = false;
  PVLAB_INLINE void update_align_check() {
    const bool on = (s.cr0 & cr0::AM) && (s.eflags & fl::AC) && s.cpl == 3;
    if (PVLAB_UNLIKELY(on != align_check_)) {
      align_check_ = on;
      watch_active_ = data_breakpoints_ || align_check_ || dbg_watch_ || mem_observer_;
    }
  }
  bool watch_active_ = false;   // data breakpoints armed: memory goes through the slow path
  bool debug_armed_ = false;    // some DR7 breakpoint armed: one instruction at a time
  uint8_t db_hits_ = 0;         // B0-B3 of data / I/O breakpoints hit by this instruction
  uint32_t db_held_ = 0;        // DR6 bits held back by MOV SS / POP SS for one instruction
  bool delivering_ = false;     // inside exception delivery (for #DF / triple fault)
  uint8_t delivering_vector_ = 0;
  StopReason stop_ = StopReason::None;
  uint64_t cycle_limit_ = ~0ull;
  uint64_t deadline_ = ~0ull;
  std::string triple_reason_;
  uint32_t fetch_fault_lin_ = 0, fetch_fault_err_ = 0;
  Insn scratch_insn_;
};

}  // namespace pvlab
