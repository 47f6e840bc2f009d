// Writable page tables (VMASST_TYPE_writable_pagetables): a guest kernel that writes one of
// its own L1 tables directly, through the read-only mapping Xen insists on, gets the write
// carried out as if it had called mmu_update, instead of a page fault.
//
// Which faults qualify: a #PF from ring 1 for a write to a present page (error code P|W, not
// user, not reserved-bit, not fetch) with the assist enabled, whose L1 entry maps the page
// read-only, and that page is an L1 table of the domain in use (validated).
//
// How the write is done: the faulting instruction is decoded and run once by the CPU's own
// handler with the mapping made writable for that one instruction, so every instruction form
// (MOV, XCHG, CMPXCHG, CMPXCHG8B, lock BTR, AND, ...) keeps its one definition in cpu/interp.
// The table's entries are then compared with a copy taken before: each entry the instruction
// changed is put back and applied through mm_update_entry, which validates it and moves the
// references. If any change is refused, or the instruction faults for another reason, the
// table, the registers and the mapping are restored and the #PF goes to the guest as usual.
// A 4-byte write of a PAE entry's upper half that would make a present entry invalid is
// taken with the present bit cleared (the guest is expected to write the lower half next),
// as Xen does.
#include <array>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "cpu/decode/decoder.h"
#include "hyper/mm.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

using namespace mmu;

namespace {

constexpr uint32_t kPfPresent = 1, kPfWrite = 2, kPfUser = 4, kPfReserved = 8, kPfFetch = 16;

void note(Hypervisor& hv, const std::string& what) {
  if (FILE* f = hv.event_log()) std::fprintf(f, "pvlab: writable page table: %s\n", what.c_str());
}

// The instruction at CS:EIP, read with the kernel's rights.
bool decode_at(Hypervisor& hv, Vcpu& v, Insn& insn) {
  static const Decoder decoder;
  Cpu& c = *v.cpu;
  const uint32_t lin = c.s.seg[CS].base + c.s.eip;
  uint8_t buf[16] = {};
  size_t got = 15;
  if (!copy_from_guest(hv, v, lin, buf, got)) {
    got = kPageSize - (lin & (kPageSize - 1));
    if (got > 15 || !copy_from_guest(hv, v, lin, buf, got)) return false;
  }
  return decoder.decode(buf, got, c.s.seg[CS].big(), insn) == DecodeStatus::Ok;
}

void restore_table(Hypervisor& hv, uint32_t mfn, const std::array<uint64_t, kPaeEntries>& t) {
  std::memcpy(hv.frame_ptr(mfn), t.data(), kPageSize);
}

}  // namespace

bool mm_handle_fault(Hypervisor& hv, Vcpu& v, const Event& e) {
  if (e.kind != EventKind::Fault || e.vector != exc::PF) return false;
  const uint32_t err = e.error;
  if ((err & (kPfPresent | kPfWrite | kPfUser | kPfReserved | kPfFetch)) != (kPfPresent | kPfWrite))
    return false;
  Cpu& c = *v.cpu;
  Domain& d = hv.domain();
  if (c.s.cpl != 1 || !(d.vm_assist & (1u << VMASST_TYPE_writable_pagetables))) return false;
  const uint32_t addr = c.s.cr2;

  // The mapping that refused the write, and the table behind it.
  uint32_t map_l1 = 0;
  unsigned map_i = 0;
  std::string why;
  if (mm_find_l1e(hv, v, addr, map_l1, map_i, why) != 0) return false;
  const uint64_t map_e = read_entry(hv, map_l1, map_i);
  if ((map_e & (pte::P | pte::RW)) != pte::P || !hv.frames().valid(entry_frame(map_e))) return false;
  const uint32_t table = uint32_t(entry_frame(map_e));
  const FrameInfo& f = hv.frames()[table];
  if (f.owner != d.id || f.type != PageType::L1 || f.type_count == 0 || !f.validated) return false;

  Insn insn;
  if (!decode_at(hv, v, insn)) return false;

  // Run the instruction once with the page writable.
  std::array<uint64_t, kPaeEntries> before, after;
  std::memcpy(before.data(), hv.frame_ptr(table), kPageSize);
  const CpuState saved = c.s;
  const uint64_t writable = map_e | pte::RW;
  std::memcpy(hv.frame_ptr(map_l1) + map_i * 8, &writable, 8);
  c.mmu().invlpg(addr);
  c.next_eip = c.s.seg[CS].big() ? c.s.eip + insn.len : ((c.s.eip + insn.len) & 0xffff);
  const bool ok = insn.fn(c, insn);
  const uint64_t map_now = read_entry(hv, map_l1, map_i);
  std::memcpy(hv.frame_ptr(map_l1) + map_i * 8, &map_e, 8);
  c.mmu().invlpg(addr);
  std::memcpy(after.data(), hv.frame_ptr(table), kPageSize);
  // The mapping's own entry, when the table maps itself: the guest's write if it made one,
  // not the processor's A/D update of the temporary writable entry.
  if (map_l1 == table)
    after[map_i] = ((map_now ^ writable) & ~(pte::A | pte::D)) ? map_now : map_e;
  restore_table(hv, table, before);
  if (!ok) {
    c.s = saved;
    return false;
  }

  // Apply what changed, entry by entry, as mmu_update would.
  std::vector<unsigned> applied;
  for (unsigned i = 0; i < kPaeEntries; ++i) {
    if (after[i] == before[i]) continue;
    const uint64_t maddr = (uint64_t(table) << kPageShift) + i * 8;
    uint64_t val = after[i];
    int rc = mm_update_entry(hv, d, maddr, val, false, why);
    const bool upper_half_only = uint32_t(val) == uint32_t(before[i]);
    if (rc != 0 && upper_half_only && (val & pte::P)) {
      val &= ~pte::P;
      rc = mm_update_entry(hv, d, maddr, val, false, why);
    }
    if (rc != 0) {
      for (unsigned k : applied) {
        std::string ignored;
        mm_update_entry(hv, d, (uint64_t(table) << kPageShift) + k * 8, before[k], false, ignored);
      }
      c.s = saved;
      const std::string what = where("L1", table, i) + " <- " + hex(after[i]);
      note(hv, what + " refused (" + std::to_string(rc) + "): " + why);
      if (DebugHooks* h = hv.debug_hooks())
        h->update_refused(v, RefusedUpdate{v.id, false, 0, rc, c.s.seg[CS].base + c.s.eip,
                                           "writable page table: " + what, why});
      return false;
    }
    applied.push_back(i);
  }
  c.s.eip = c.next_eip;
  ++c.s.insns;
  c.s.cycles += insn.cost;
  return true;
}

}  // namespace pvlab::hyper
