// What a debugger shows of a stopped machine, read without side effects (no A/D bits, no
// TLB fills, no device reads): the page walk of an address, the TLBs, the GDT / LDT / IDT
// and the TSS, the instruction at an address, and the PV hypervisor's frame table, event
// channels and hypercall log. Each view is a plain struct (for the GUI) plus a text form
// (for gdb's `monitor` and the command line).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/cpu.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
}

// ---- page walk ----------------------------------------------------------------------------
struct WalkStepView {
  std::string level;        // "PDPTE", "PDE", "PTE"
  paddr_t entry_addr = 0;   // where the entry lives (for PDPTE: in the table CR3 names)
  uint64_t entry = 0;
  bool leaf = false;        // maps the page (PTE, or a PDE with PS)
  std::string bits;         // decoded: "P RW US A D G NX frame=..."
};
struct PageWalkView {
  uint32_t lin = 0;
  bool paging = false, pae = false, nx_enabled = false;
  std::vector<WalkStepView> steps;
  bool ok = false;
  paddr_t phys = 0;
  uint32_t page_size = 0;
  uint32_t error = 0;       // the #PF error code a supervisor read would get, when !ok
  std::string note;         // what the Session knows about the address ("in the hypervisor area")
};
PageWalkView page_walk_view(Cpu& cpu, uint32_t lin);
std::string format_page_walk(const PageWalkView& v);
// "P RW US PWT PCD A D PS G NX" style list of the bits set in a page-table entry.
std::string pte_flags(uint64_t entry, bool pae);

// ---- TLB ----------------------------------------------------------------------------------
std::string format_tlb(Cpu& cpu, bool entries = true);

// ---- descriptor tables ---------------------------------------------------------------------
struct DescriptorView {
  unsigned index = 0;
  uint64_t raw = 0;
  bool present = false;
  unsigned dpl = 0;
  bool system = false;      // S = 0: TSS, LDT or a gate
  bool gate = false;
  std::string type;         // "code RX", "data RW", "32-bit TSS (busy)", "32-bit interrupt gate", ...
  uint32_t base = 0, limit = 0;   // segments and TSS / LDT descriptors (limit in bytes)
  uint16_t selector = 0;    // gates: target selector
  uint32_t offset = 0;      // gates: target offset
  std::string flags;        // "D/B G A AVL" ...
};
DescriptorView decode_descriptor(uint64_t raw, unsigned index);
enum class DescTableKind { Gdt, Ldt, Idt };
// The non-null entries of a table (at most `max` of them).
std::vector<DescriptorView> descriptor_table(Cpu& cpu, DescTableKind which, unsigned max = 512);
std::string format_descriptor_table(Cpu& cpu, DescTableKind which, unsigned max = 512);
// The descriptor of `sel` from the GDT or LDT, read without side effects.
bool read_descriptor_quiet(Cpu& cpu, uint16_t sel, uint64_t& desc);
// The current task's 32-bit TSS.
std::string format_tss(Cpu& cpu);

// ---- instructions -------------------------------------------------------------------------
struct InsnInfo {
  unsigned len = 0;         // 0: not readable or not decodable
  bool call = false;        // CALL (near or far)
  bool interrupt = false;   // INT n, INT3, INTO
  bool rep_string = false;  // a REP / REPE / REPNE string instruction
  std::string text;
};
// The instruction at linear `lin` in the CPU's current code size.
InsnInfo insn_info(Cpu& cpu, uint32_t lin);

// ---- counters -----------------------------------------------------------------------------
std::string format_counters(Cpu& cpu);

// ---- the PV hypervisor --------------------------------------------------------------------
// The frame table: a summary by type and owner, then up to `count` frames from `first` (all
// frames with a page-table or descriptor type, or pinned, when count is 0).
std::string format_frames(hyper::Hypervisor& hv, uint32_t first = 0, uint32_t count = 0);
// Event channels: each port in use (bound to what, pending, masked) and per vcpu the upcall
// pending and mask flags.
std::string format_evtchn(hyper::Hypervisor& hv);
// The last `n` hypercalls with arguments, results and refusal reasons.
std::string format_hypercalls(hyper::Hypervisor& hv, unsigned n = 32);

}  // namespace pvlab
