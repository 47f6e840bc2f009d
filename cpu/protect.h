// Protected-mode machinery shared by far control transfers (interp/far.cpp), event delivery
// through the IDT (interrupts.cpp) and hardware task switches (task.cpp): a decoded view of
// descriptors, descriptor fetches that fault with the caller's vector and EXT bit, code and
// stack segment loads, the inner-ring stack pointers of the TSS, and a stack builder that
// checks every push of a frame before it writes any.
//
// The transfers themselves follow one order, so a fault leaves the machine as it was:
//   1. read and check every descriptor (faults carry the selector and EXT),
//   2. collect the pushes and check them against the target stack's limits,
//   3. set accessed bits and write the stack (only #PF can happen here),
//   4. commit registers: SS:ESP, CS:EIP, CPL, EFLAGS.
#pragma once
#include "cpu/cpu.h"

namespace pvlab::prot {

// System descriptor types (byte 5 bits 0..3 with S = 0).
namespace st {
constexpr unsigned kTss16 = 1, kLdt = 2, kTss16Busy = 3, kCall16 = 4, kTaskGate = 5,
                   kInt16 = 6, kTrap16 = 7, kTss32 = 9, kTss32Busy = 11, kCall32 = 12,
                   kInt32 = 14, kTrap32 = 15;
constexpr unsigned kBusy = 2;  // the busy bit of a TSS type
}  // namespace st

// One 8-byte descriptor, decoded on demand.
struct Desc {
  uint64_t raw = 0;

  uint32_t lo() const { return uint32_t(raw); }
  uint32_t hi() const { return uint32_t(raw >> 32); }
  unsigned type() const { return (hi() >> 8) & 0xf; }
  bool system() const { return !(hi() & (1u << 12)); }
  unsigned dpl() const { return (hi() >> 13) & 3; }
  bool present() const { return hi() & (1u << 15); }

  // Code and data segments.
  bool code() const { return !system() && (type() & 8); }
  bool data() const { return !system() && !(type() & 8); }
  bool conforming() const { return code() && (type() & 4); }
  bool readable() const { return data() || (code() && (type() & 2)); }
  bool writable_data() const { return data() && (type() & 2); }
  uint32_t base() const { return (lo() >> 16) | ((hi() & 0xff) << 16) | (hi() & 0xff000000u); }
  uint32_t limit() const {  // byte-granular
    uint32_t l = (lo() & 0xffff) | (hi() & 0x000f0000u);
    return (hi() & (1u << 23)) ? (l << 12) | 0xfff : l;
  }

  // TSS descriptors.
  bool tss() const {
    const unsigned t = type() & ~st::kBusy;
    return system() && (t == st::kTss16 || t == st::kTss32);
  }
  bool tss32() const { return type() & 8; }
  bool busy() const { return type() & st::kBusy; }

  // Gates: call, interrupt, trap (target selector and offset), task (TSS selector).
  uint16_t gate_selector() const { return uint16_t(lo() >> 16); }
  bool gate32() const { return type() & 8; }
  uint32_t gate_offset() const {
    return gate32() ? (lo() & 0xffff) | (hi() & 0xffff0000u) : (lo() & 0xffff);
  }
  unsigned gate_params() const { return hi() & 0x1f; }
};

// Fetch the descriptor for a non-null `sel` from the GDT or LDT. A selector beyond its table
// (or into an LDT when none is loaded) raises `vec` with error (sel & ~3) | ext.
bool fetch(Cpu& c, uint16_t sel, Desc& d, uint8_t vec, uint32_t ext = 0);
// The same, for selectors that must name the GDT (TSS descriptors): TI = 1 also raises.
bool fetch_gdt(Cpu& c, uint16_t sel, Desc& d, uint8_t vec, uint32_t ext = 0);
// Set the accessed bit of a code or data descriptor in memory (and in `d`).
bool mark_accessed(Cpu& c, uint16_t sel, Desc& d);

// Whether an access of `size` bytes at `off` fits the segment's limit (expand-up or down).
bool within(const SegCache& sc, uint32_t off, unsigned size);
// A segment cache built from a checked descriptor, flags derived for protected mode.
SegCache cache_of(uint16_t sel, const Desc& d);

// CS <- sel:d with RPL = cpl, and CPL <- cpl. The descriptor is checked by the caller.
void load_cs(Cpu& c, uint16_t sel, const Desc& d, unsigned cpl);
// A data or stack segment register <- a checked descriptor.
void load_data(Cpu& c, unsigned seg, uint16_t sel, const Desc& d);
// Make a segment register hold the null selector (unusable until reloaded).
void load_null(Cpu& c, unsigned seg);
// After a return to an outer ring: ES, FS, GS and DS that the new CPL may not use (data or
// non-conforming code with DPL < CPL) are loaded with the null selector.
void null_inaccessible(Cpu& c);

// SS:ESP for ring `dpl` from the current TSS (32- or 16-bit). #TS(TR | ext) when the TSS is
// too short to hold them.
bool tss_stack(Cpu& c, unsigned dpl, uint16_t& ss, uint32_t& esp, uint32_t ext);
// The checks on a new stack segment for ring `dpl` taken from the TSS: null, beyond the table,
// wrong RPL / DPL or not writable data -> #TS; not present -> #SS.
bool check_tss_ss(Cpu& c, uint16_t ss, unsigned dpl, Desc& d, uint32_t ext);
// The checks on a stack segment popped by RETF / IRET returning to ring `rpl`: null -> #GP(0),
// beyond the table / wrong RPL, DPL or type -> #GP(sel), not present -> #SS(sel).
bool check_return_ss(Cpu& c, uint16_t ss, unsigned rpl, Desc& d);

// The pushes of one frame on a stack that may not be SS yet. Pushes are recorded, checked
// against the limit together, then written; ESP moves only when the caller commits.
class StackBuilder {
 public:
  StackBuilder(const SegCache& ss, uint32_t esp, unsigned cpl)
      : ss_(ss), esp_(esp), cur_(esp), user_(cpl == 3) {}
  void push(uint32_t v, unsigned size) {
    const uint32_t mask = ss_.big() ? 0xffffffffu : 0xffffu;
    cur_ = (cur_ - size) & mask;
    if (n_ < kMax) items_[n_++] = {cur_, v, uint8_t(size)};
    else overflow_ = true;
  }
  bool fits() const;
  bool write(Cpu& c) const;  // may raise #PF
  // ESP after the pushes (a 16-bit stack keeps ESP's upper half).
  uint32_t esp() const { return ss_.big() ? cur_ : ((esp_ & 0xffff0000u) | (cur_ & 0xffff)); }

 private:
  struct Item {
    uint32_t off, v;
    uint8_t size;
  };
  static constexpr unsigned kMax = 40;  // call gate: SS, ESP, 31 parameters, CS, EIP
  SegCache ss_;
  uint32_t esp_, cur_;
  bool user_;
  bool overflow_ = false;
  unsigned n_ = 0;
  Item items_[kMax];
};

// Hardware task switch to the TSS `sel` (descriptor `d`, already checked for type, busy state
// and privilege by the caller, which also raises #NP when it is not present). `eip` is what the
// outgoing task saves as its EIP; `ext` goes into the error code of faults; `rf` sets RF in the
// saved EFLAGS image (faults delivered through a task gate). After the commit point, faults
// are raised in the context of the new task (s.eip is already the new task's).
enum class TaskSwitch : uint8_t { Jmp, Call, Iret, Int };
bool task_switch(Cpu& c, uint16_t sel, const Desc& d, TaskSwitch why, uint32_t eip,
                 uint32_t ext = 0, bool rf = false);

}  // namespace pvlab::prot
