// Descriptor tables: the rules every descriptor a guest installs must follow (Xen's
// check_descriptor for a 32-bit guest running its kernel in ring 1), the vcpu's GDT
// (set_gdt) and LDT (MMUEXT_SET_LDT), and update_descriptor.
//
// The rules, applied to every descriptor of a GDT or LDT page and to update_descriptor:
//  - Not present: accepted as it is (loading it faults).
//  - DPL 0 becomes DPL 1: nothing the guest installs is more privileged than its kernel.
//  - Code and data: the base must lie below kGuestSegmentEnd - 4 KiB, and the segment must
//    end at kGuestSegmentEnd (the end of the read-only M2P, 0xF6800000) or below. A
//    page-granular segment that reaches further is truncated to end there (an expand-down
//    one to reach no further than 4 GiB); a byte-granular one is refused. The accessed bit is
//    set, so the processor never writes descriptor pages.
//  - System descriptors: only call gates, whose target selector gets RPL >= 1 and must be a
//    guest selector (GDT below the reserved entries, or the LDT) or FLAT_RING1_CS; the
//    parameter count's reserved bits must be clear. Type 0 (the second half of a call gate)
//    is harmless. Everything else (TSS, LDT, task, interrupt and trap gates) is refused.
//
// The GDT's frames and the LDT's frames each hold a descriptor-page type reference while in
// use, so they cannot be mapped writable (mm.cpp). pvlab maps the LDT's pages when the guest
// sets it (Xen maps them on first use); a page that is not mapped or cannot be a descriptor
// page is refused at MMUEXT_SET_LDT.
#include <cerrno>

#include "hyper/mm.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

using namespace mmu;

namespace {

constexpr uint32_t kDescP = 1u << 15, kDescS = 1u << 12, kDescDpl = 3u << 13, kDescType = 0xfu << 8;
constexpr uint32_t kDescCode = 1u << 11, kDescExpandDown = 1u << 10, kDescAccessed = 1u << 8;
constexpr uint32_t kDescG = 1u << 23;
constexpr uint32_t kTypeCallGate = 0xcu << 8;

bool gate_target_ok(uint16_t sel) {
  const unsigned index = sel >> 3;
  return (sel & 4) != 0 || index < kFirstReservedGdtEntry || sel == kSelRing1Code;
}

void put_frames(Hypervisor& hv, Domain& d, std::vector<uint32_t>& frames) {
  for (uint32_t mfn : frames) mm_put_page_and_type(hv, d, mfn);
  frames.clear();
}

// Take descriptor-page references on `frames`; all or nothing.
int get_frames(Hypervisor& hv, Domain& d, const std::vector<uint32_t>& frames, const char* what,
               std::string& why) {
  for (size_t i = 0; i < frames.size(); ++i) {
    std::string inner;
    if (mm_get_page_and_type(hv, d, frames[i], PageType::SegDesc, false, inner) != 0) {
      why = std::string(what) + " page " + std::to_string(i) + ": " + inner;
      while (i-- > 0) mm_put_page_and_type(hv, d, frames[i]);
      return -XEN_EINVAL;
    }
  }
  return 0;
}

uint64_t system_descriptor(uint32_t base, uint32_t limit, unsigned type) {
  return (limit & 0xffff) | (uint64_t(base & 0xffffff) << 16) | (uint64_t(0x80 | type) << 40) |
         (uint64_t((limit >> 16) & 0xf) << 48) | (uint64_t(base >> 24) << 56);
}

// Point the vcpu's LDT pages and LDTR at its LDT frames.
void load_ldt(Hypervisor& hv, Vcpu& v) {
  for (unsigned p = 0; p < 16; ++p) {
    const bool used = p < v.ldt_frames.size();
    hv.map_hv_page(ldt_va(v.id) + p * kPageSize, used ? v.ldt_frames[p] : hv.zero_frame(), used);
  }
  Cpu& c = *v.cpu;
  const unsigned slot = (kSelLdt >> 3) & (kGdtEntriesPerPage - 1);
  uint64_t desc = 0;
  if (v.ldt_entries) {
    desc = system_descriptor(ldt_va(v.id), v.ldt_entries * 8 - 1, 2);
    Cpu::cache_from_descriptor(c.s.ldtr, kSelLdt, desc);
  } else {
    c.s.ldtr = SegCache{};
  }
  write_machine(hv, (uint64_t(hv.reserved_gdt_frame(v.id)) << kPageShift) + slot * 8, &desc, 8);
}

}  // namespace

bool mm_check_descriptor(uint64_t& desc, std::string& why) {
  uint32_t a = uint32_t(desc), b = uint32_t(desc >> 32);
  if (!(b & kDescP)) return true;
  if (((b & kDescDpl) >> 13) < 1) b = (b & ~kDescDpl) | (1u << 13);
  if (b & kDescS) {
    const uint32_t base = (b & 0xff000000u) | ((b & 0xff) << 16) | (a >> 16);
    if (base >= kGuestSegmentEnd - kPageSize) {
      why = "segment base " + hex(base) + " is in or next to the hypervisor's area";
      return false;
    }
    // 32-bit arithmetic on purpose: a 4 GiB limit wraps to 0, as in Xen's own check.
    uint32_t limit = ((b & 0xf0000) | (a & 0xffff)) + 1;
    if (b & kDescG) limit <<= 12;
    bool truncate = false;
    if ((b & (kDescCode | kDescExpandDown)) == kDescExpandDown) {
      if (base + limit > base) {   // valid offsets run above the limit, up past 4 GiB
        limit = 0u - (base & ~(kPageSize - 1));
        truncate = true;
      }
    } else if (base + limit <= base || base + limit > kGuestSegmentEnd) {
      limit = kGuestSegmentEnd - base;
      truncate = true;
    }
    if (truncate) {
      if (!(b & kDescG)) {
        why = "byte-granular segment (base " + hex(base) + ") reaches the hypervisor's area (" +
              hex(kGuestSegmentEnd) + ")";
        return false;
      }
      limit = (limit >> 12) - 1;
      a = (a & ~0xffffu) | (limit & 0xffff);
      b = (b & ~0xf0000u) | (limit & 0xf0000);
    }
    b |= kDescAccessed;
    desc = (uint64_t(b) << 32) | a;
    return true;
  }
  if ((b & kDescType) == 0) return true;
  if ((b & kDescType) != kTypeCallGate) {
    why = "system descriptor of type " + std::to_string((b >> 8) & 0xf) +
          ": only call gates may be installed";
    return false;
  }
  uint16_t cs = uint16_t(a >> 16);
  if ((cs & 3) < 1) cs = uint16_t((cs & ~3) | 1);
  if (!gate_target_ok(cs)) {
    why = "call gate to selector " + hex(cs) + ", a hypervisor segment (gates may only lead to "
          "the guest's own code, ring 1 or above)";
    return false;
  }
  if (b & 0xe0) {
    why = "call gate with reserved bits set in its parameter count";
    return false;
  }
  a = (a & 0xffffu) | (uint32_t(cs) << 16);
  desc = (uint64_t(b) << 32) | a;
  return true;
}

int mm_set_gdt(Hypervisor& hv, Vcpu& v, const std::vector<uint32_t>& frames, unsigned entries,
               std::string& why) {
  if (entries > kFirstReservedGdtEntry) {
    why = std::to_string(entries) + " GDT entries: at most " + std::to_string(kFirstReservedGdtEntry) +
          " (the entries after them are the hypervisor's)";
    return -XEN_EINVAL;
  }
  const unsigned nr = (entries + kGdtEntriesPerPage - 1) / kGdtEntriesPerPage;
  if (frames.size() < nr) {
    why = "GDT of " + std::to_string(entries) + " entries needs " + std::to_string(nr) + " frames";
    return -XEN_EINVAL;
  }
  std::vector<uint32_t> fresh(frames.begin(), frames.begin() + nr);
  Domain& d = hv.domain();
  if (int rc = get_frames(hv, d, fresh, "GDT", why); rc != 0) return rc;
  put_frames(hv, d, v.gdt_frames);
  v.gdt_frames = std::move(fresh);
  v.gdt_entries = entries;
  hv.load_gdt(v);
  mm_flush_vcpu(hv, v);
  return 0;
}

int mm_set_ldt(Hypervisor& hv, Vcpu& v, uint32_t base, unsigned entries, std::string& why) {
  if (entries == 0) base = 0;
  if ((base & (kPageSize - 1)) || entries > 8192 || uint64_t(base) + uint64_t(entries) * 8 > kHypervisorStart) {
    why = "LDT at " + hex(base) + " with " + std::to_string(entries) +
          " entries: must be page aligned, at most 8192 entries, below " + hex(kHypervisorStart);
    return -XEN_EINVAL;
  }
  if (v.ldt_base == base && v.ldt_entries == entries) return 0;
  Domain& d = hv.domain();
  const unsigned pages = (entries * 8 + kPageSize - 1) / kPageSize;
  std::vector<uint32_t> fresh;
  for (unsigned p = 0; p < pages; ++p) {
    const uint32_t va = base + p * kPageSize;
    uint32_t l1 = 0;
    unsigned i = 0;
    std::string inner;
    if (mm_find_l1e(hv, v, va, l1, i, inner) != 0 || !(read_entry(hv, l1, i) & pte::P)) {
      why = "LDT page " + hex(va) + " is not mapped";
      return -XEN_EINVAL;
    }
    fresh.push_back(uint32_t(entry_frame(read_entry(hv, l1, i))));
  }
  if (int rc = get_frames(hv, d, fresh, "LDT", why); rc != 0) return rc;
  put_frames(hv, d, v.ldt_frames);
  v.ldt_frames = std::move(fresh);
  v.ldt_base = base;
  v.ldt_entries = entries;
  load_ldt(hv, v);
  return 0;
}

int mm_update_descriptor(Hypervisor& hv, Domain& d, uint64_t maddr, uint64_t desc, std::string& why) {
  if (maddr & 7) {
    why = "descriptor address " + hex(maddr) + " is not 8-byte aligned";
    return -XEN_EINVAL;
  }
  std::string inner;
  if (!mm_check_descriptor(desc, inner)) {
    why = "descriptor " + hex(desc) + " at " + hex(maddr) + ": " + inner;
    return -XEN_EINVAL;
  }
  const uint64_t mfn = maddr >> kPageShift;
  if (!hv.frames().valid(mfn) || hv.frames()[uint32_t(mfn)].owner != d.id) {
    why = "descriptor address " + hex(maddr) + " is not in one of the domain's frames";
    return -XEN_EINVAL;
  }
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  const bool in_use = f.type == PageType::SegDesc && f.type_count > 0;
  if (!in_use && mm_get_page_and_type(hv, d, uint32_t(mfn), PageType::Writable, false, inner) != 0) {
    why = "descriptor address " + hex(maddr) + ": " + inner;
    return -XEN_EINVAL;
  }
  hv.timing_work(maddr, true);
  write_machine(hv, maddr, &desc, 8);
  if (!in_use) mm_put_page_and_type(hv, d, uint32_t(mfn));
  return 0;
}

void mm_release_descriptor_tables(Hypervisor& hv, Vcpu& v) {
  Domain& d = hv.domain();
  put_frames(hv, d, v.gdt_frames);
  v.gdt_entries = 0;
  put_frames(hv, d, v.ldt_frames);
  v.ldt_base = 0;
  v.ldt_entries = 0;
}

}  // namespace pvlab::hyper
