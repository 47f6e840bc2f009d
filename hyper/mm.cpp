// The frame table's types and references, and validation of the guest's PAE page tables.
//
// Every machine frame has an owner, a type, a type count and a general count
// (hyper/frame_table.h). The rules this file keeps, as Xen's arch/x86/mm.c does:
//
//  1. A guest never writes its page tables or descriptor tables directly. A frame in use as
//     an L1, L2, L3 or descriptor page (type count above zero) has no writable mapping, and a
//     frame with a writable mapping (type Writable) cannot become one. The type changes only
//     when its count is zero; changing away from Writable first flushes every TLB if a mapping
//     was removed since the last full flush (a stale writable TLB entry would be a writable
//     mapping the frame table cannot see).
//  2. A table becomes a type by being validated: each present entry is checked and takes the
//     references it needs (below). When the last type reference goes, the table is
//     "devalidated": its entries give their references back. Validation and devalidation
//     recurse down the tree (L3 -> L2 -> L1), at most three levels plus one linear step.
//  3. What each present entry holds:
//       L1 entry   a general reference on the frame it maps, plus a Writable type reference
//                  when RW is set. The frame must be the domain's (or granted to it: see
//                  granted()). No PAT / cache attributes, no reserved bits.
//       L2 entry   a general and an L1 type reference on the table it points to. No PS
//                  (superpages), no cache attributes or G, no reserved bits. The hypervisor's
//                  slots (kFirstHvL2Slot and up) of the L2 in L3 slot 3 are not the guest's:
//                  that L2 has the pae_xen_l2 flag, carries hv.hv_l2_entry() there and can
//                  serve in no other slot.
//       L3 entry   a general and an L2 type reference; only P, PWT, PCD, the available bits
//                  and the address may be set. Slot 3 must be present and becomes the
//                  pae_xen_l2; it cannot be changed by mmu_update.
//  4. Linear page tables, as Xen allows them: an L2 entry may point at an L2 (its own or an
//     already-validated one of the domain) read-only, so the guest reads its L1s through it.
//     A linear entry to another L2 takes a general and an L2 type reference; one to its own
//     table takes none. An L2 that holds linear entries cannot itself be mapped linearly
//     (FrameInfo::linear), so nothing chains. Read-only mappings of table frames from L1
//     entries are ordinary mappings (a general reference only).
//  5. Pins, CR3 (the vcpu's base pointer), GDT and LDT frames each hold one general and one
//     type reference. A frame is pinned at most once.
//  6. The CPU sees what the tables say: after an L3 entry changes, every vcpu using that L3
//     reloads CR3 (the PAE PDPTE registers are read only then); writes go through
//     write_machine, which drops decoded blocks of code frames.
#include "hyper/mm.h"

#include <cerrno>

#include "hyper/hypervisor.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

using namespace mmu;

namespace {

bool is_table(PageType t) { return t == PageType::L1 || t == PageType::L2 || t == PageType::L3; }

const char* owner_name(uint16_t owner) {
  if (owner == kOwnerXen) return "the hypervisor";
  if (owner == kOwnerNone) return "nobody";
  return "another domain";
}

// The grant hook: may `d` map `mfn`, which it does not own, because it holds a grant mapping
// of it? Grant mappings are installed by grant_table_op itself (hyper/grants.cpp); an
// ordinary page-table entry naming the same frame is allowed while the grant mapping exists,
// read-only unless the grant is writable.
bool granted(const Domain& d, uint32_t mfn, bool write) {
  for (const GrantMapping& m : d.grants.maptrack)
    if (m.used && m.mfn == mfn && (!write || !m.readonly)) return true;
  return false;
}

void flush_if_stale(Hypervisor& hv, FrameInfo& f) {
  if (f.unmapped_gen == hv.frames().flush_gen) mm_flush_all(hv);
}

int validate(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, std::string& why);
void devalidate(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type);

// A type reference; the caller holds a general reference. Validation happens on the first.
int get_type(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, bool pae, std::string& why) {
  FrameInfo& f = hv.frames()[mfn];
  if (f.type_count > 0) {
    if (f.type != type || (type == PageType::L2 && f.pae_xen_l2 != pae)) {
      why = frame(mfn) + " is in use as " + (f.pae_xen_l2 ? "the slot-3 L2" : page_type_name(f.type)) +
            ", not as " + (pae ? "a slot-3 L2" : page_type_name(type));
      return -XEN_EINVAL;
    }
    if (!f.validated) {
      why = frame(mfn) + " is itself being validated as " + page_type_name(type);
      return -XEN_EINVAL;
    }
    ++f.type_count;
    return 0;
  }
  if (f.shared_xen && type != PageType::Writable) {
    why = frame(mfn) + " is a hypervisor page shared with the domain and can only be data";
    return -XEN_EINVAL;
  }
  if (type != PageType::Writable) flush_if_stale(hv, f);
  f.type = type;
  f.pae_xen_l2 = pae;
  f.type_count = 1;
  f.validated = false;
  if (type != PageType::Writable) {
    const int rc = validate(hv, d, mfn, type, why);
    if (hv.trace_sink()) {
      TraceEvent t(hv.trace_cycle(), hv.trace_vcpu(), "pt_validate",
                   std::string(rc ? "refuse " : "accept ") + page_type_name(type));
      t.str("what", "table").hex("mfn", mfn).str("type", page_type_name(type)).flag("accepted", rc == 0);
      if (rc) t.num("error", rc).str("reason", why);
      hv.trace(std::move(t));
    }
    if (rc != 0) {
      f.type = PageType::None;
      f.pae_xen_l2 = false;
      f.type_count = 0;
      return rc;
    }
  }
  f.validated = true;
  return 0;
}

void put_type(Hypervisor& hv, Domain& d, uint32_t mfn) {
  FrameInfo& f = hv.frames()[mfn];
  if (f.type_count == 0) return;   // unbalanced; mm_audit reports it
  if (--f.type_count > 0) return;
  const PageType t = f.type;
  f.validated = false;
  if (is_table(t)) devalidate(hv, d, mfn, t);
  f.type = PageType::None;
  f.pae_xen_l2 = false;
}

bool owned(Hypervisor& hv, const Domain& d, uint64_t mfn) {
  return hv.frames().valid(mfn) && hv.frames()[uint32_t(mfn)].owner == d.id;
}

// ---- entries ---------------------------------------------------------------------------------

int get_l1e(Hypervisor& hv, Domain& d, uint64_t e, uint32_t l1, unsigned i, std::string& why) {
  if (!(e & pte::P)) return 0;
  if (e & kL1Disallow) {
    why = where("L1", l1, i) + " (" + hex(e) + "): reserved bits " + hex(e & kL1Disallow) +
          " (PWT/PCD/PAT or bits 52-62)";
    return -XEN_EINVAL;
  }
  const uint64_t mfn = entry_frame(e);
  const bool write = e & pte::RW;
  if (!hv.frames().valid(mfn)) {
    why = where("L1", l1, i) + " maps " + frame(mfn) + ", which is not RAM (I/O space needs privilege)";
    return -XEN_EPERM;
  }
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  if (f.owner != d.id && !granted(d, uint32_t(mfn), write)) {
    why = where("L1", l1, i) + " maps " + frame(mfn) + ", which belongs to " + owner_name(f.owner);
    return -XEN_EBUSY;
  }
  ++f.count;
  if (write) {
    std::string inner;
    if (get_type(hv, d, uint32_t(mfn), PageType::Writable, false, inner) != 0) {
      --f.count;
      why = where("L1", l1, i) + " maps " + frame(mfn) + " writable, but it is in use as " +
            (f.pae_xen_l2 ? "the slot-3 L2" : page_type_name(f.type));
      return -XEN_EBUSY;
    }
  }
  return 0;
}

void put_l1e(Hypervisor& hv, Domain& d, uint64_t e) {
  if (!(e & pte::P)) return;
  const uint64_t mfn = entry_frame(e);
  if (!hv.frames().valid(mfn)) return;
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  if (e & pte::RW) put_type(hv, d, uint32_t(mfn));
  if (f.count) --f.count;
  f.unmapped_gen = hv.frames().flush_gen;
}

int get_l2e(Hypervisor& hv, Domain& d, uint64_t e, uint32_t l2, unsigned i, std::string& why) {
  if (!(e & pte::P)) return 0;
  if (e & pte::PS) {
    why = where("L2", l2, i) + " (" + hex(e) + ") is a superpage (PS): PV guests map 4 KiB pages only";
    return -XEN_EINVAL;
  }
  if (e & kL2Disallow) {
    why = where("L2", l2, i) + " (" + hex(e) + "): reserved bits " + hex(e & kL2Disallow) +
          " (PWT/PCD/G or bits 52-62)";
    return -XEN_EINVAL;
  }
  const uint64_t mfn = entry_frame(e);
  if (!owned(hv, d, mfn)) {
    why = where("L2", l2, i) + " points at " + frame(mfn) + ", which is not the domain's";
    return -XEN_EINVAL;
  }
  FrameInfo& self = hv.frames()[l2];
  if (mfn == l2) {   // a linear mapping of the table itself: read-only, no reference
    if (e & pte::RW) {
      why = where("L2", l2, i) + " maps its own table writable (linear page tables must be read-only)";
      return -XEN_EINVAL;
    }
    return 0;
  }
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  ++f.count;
  std::string inner;
  int rc = get_type(hv, d, uint32_t(mfn), PageType::L1, false, inner);
  if (rc == 0) return 0;
  if (rc == -XEN_EINVAL && f.type == PageType::L2 && f.type_count > 0) {
    // A linear mapping of another L2.
    if (e & pte::RW) {
      why = where("L2", l2, i) + " maps L2 " + frame(mfn) + " writable (linear page tables must be read-only)";
    } else if (!f.validated) {
      why = where("L2", l2, i) + " maps L2 " + frame(mfn) + ", which is not validated yet";
    } else if (f.linear < 0 || self.linear > 0) {
      why = where("L2", l2, i) + " would chain linear page tables through " + frame(mfn);
    } else {
      ++f.type_count;
      ++f.linear;
      --self.linear;
      return 0;
    }
  } else {
    why = where("L2", l2, i) + ": " + inner;
  }
  --f.count;
  return rc;
}

void put_l2e(Hypervisor& hv, Domain& d, uint64_t e, uint32_t l2) {
  if (!(e & pte::P)) return;
  const uint64_t mfn = entry_frame(e);
  if (mfn == l2 || !hv.frames().valid(mfn)) return;
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  if (f.type == PageType::L2 && f.type_count > 0) {   // linear
    --f.linear;
    ++hv.frames()[l2].linear;
  }
  put_type(hv, d, uint32_t(mfn));
  if (f.count) --f.count;
}

int get_l3e(Hypervisor& hv, Domain& d, uint64_t e, uint32_t l3, unsigned i, std::string& why) {
  if (!(e & pte::P)) {
    if (i == 3) {
      why = where("L3", l3, i) + " is not present: slot 3 must hold the L2 with the hypervisor's entries";
      return -XEN_EINVAL;
    }
    return 0;
  }
  if (e & kL3Disallow) {
    why = where("L3", l3, i) + " (" + hex(e) + "): bits " + hex(e & kL3Disallow) +
          " must be zero (an L3 entry has no PS, G, NX or high flag bits)";
    return -XEN_EINVAL;
  }
  const uint64_t mfn = entry_frame(e);
  if (!owned(hv, d, mfn)) {
    why = where("L3", l3, i) + " points at " + frame(mfn) + ", which is not the domain's";
    return -XEN_EINVAL;
  }
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  ++f.count;
  std::string inner;
  if (int rc = get_type(hv, d, uint32_t(mfn), PageType::L2, i == 3, inner); rc != 0) {
    --f.count;
    why = where("L3", l3, i) + ": " + inner;
    return rc;
  }
  return 0;
}

void put_l3e(Hypervisor& hv, Domain& d, uint64_t e) {
  if (!(e & pte::P)) return;
  const uint64_t mfn = entry_frame(e);
  if (!hv.frames().valid(mfn)) return;
  put_type(hv, d, uint32_t(mfn));
  FrameInfo& f = hv.frames()[uint32_t(mfn)];
  if (f.count) --f.count;
}

// How many entries of a table of `type` belong to the guest (a slot-3 L2 stops before the
// hypervisor's slots; a PAE L3 has four).
unsigned guest_entries(const FrameInfo& f, PageType type) {
  if (type == PageType::L3) return 4;
  if (type == PageType::L2 && f.pae_xen_l2) return kFirstHvL2Slot;
  return kPaeEntries;
}

int get_entry(Hypervisor& hv, Domain& d, PageType type, uint64_t e, uint32_t mfn, unsigned i, std::string& why) {
  switch (type) {
    case PageType::L1: return get_l1e(hv, d, e, mfn, i, why);
    case PageType::L2: return get_l2e(hv, d, e, mfn, i, why);
    default: return get_l3e(hv, d, e, mfn, i, why);
  }
}

void put_entry(Hypervisor& hv, Domain& d, PageType type, uint64_t e, uint32_t mfn) {
  switch (type) {
    case PageType::L1: put_l1e(hv, d, e); break;
    case PageType::L2: put_l2e(hv, d, e, mfn); break;
    default: put_l3e(hv, d, e); break;
  }
}

int validate(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, std::string& why) {
  if (type == PageType::SegDesc) {
    const uint64_t* desc = reinterpret_cast<const uint64_t*>(hv.frame_ptr(mfn));
    for (unsigned i = 0; i < kGdtEntriesPerPage; ++i) {
      hv.timing_work((uint64_t(mfn) << kPageShift) + i * 8, false);
      uint64_t copy = desc[i];
      std::string inner;
      if (!mm_check_descriptor(copy, inner)) {
        why = "descriptor page " + frame(mfn) + " entry " + std::to_string(i) + ": " + inner;
        return -XEN_EINVAL;
      }
      // The page is read-only to the guest from now on: keep the fixed-up form.
      if (copy != desc[i]) write_machine(hv, (uint64_t(mfn) << kPageShift) + i * 8, &copy, 8);
    }
    return 0;
  }
  FrameInfo& f = hv.frames()[mfn];
  const unsigned n = guest_entries(f, type);
  for (unsigned i = 0; i < n; ++i) {
    hv.timing_work((uint64_t(mfn) << kPageShift) + i * 8, false);
    const uint64_t e = read_entry(hv, mfn, i);
    if (int rc = get_entry(hv, d, type, e, mfn, i, why); rc != 0) {
      while (i-- > 0) put_entry(hv, d, type, read_entry(hv, mfn, i), mfn);
      return rc;
    }
    if (type == PageType::L3 && (e & pte::P) && (e & kL3Cleared)) write_entry(hv, mfn, i, e & ~kL3Cleared);
  }
  if (type == PageType::L2 && f.pae_xen_l2)
    for (unsigned i = kFirstHvL2Slot; i < kPaeEntries; ++i) write_entry(hv, mfn, i, hv.hv_l2_entry(i));
  return 0;
}

void devalidate(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type) {
  const unsigned n = guest_entries(hv.frames()[mfn], type);
  for (unsigned i = 0; i < n; ++i) {
    hv.timing_work((uint64_t(mfn) << kPageShift) + i * 8, false);
    put_entry(hv, d, type, read_entry(hv, mfn, i), mfn);
  }
}

// ---- updates of one entry ------------------------------------------------------------------

bool fast_path(uint64_t old_e, uint64_t new_e) {
  return (old_e & pte::P) && ((old_e ^ new_e) & ~kFastPathBits) == 0;
}

int mod_l1(Hypervisor& hv, Domain& d, uint32_t l1, unsigned i, uint64_t e, std::string& why) {
  const uint64_t old_e = read_entry(hv, l1, i);
  if (e & pte::P) {
    if (!(e & kL1Disallow) && fast_path(old_e, e)) {
      write_entry(hv, l1, i, e);
      return 0;
    }
    if (int rc = get_l1e(hv, d, e, l1, i, why); rc != 0) return rc;
  }
  write_entry(hv, l1, i, e);
  put_l1e(hv, d, old_e);
  return 0;
}

int mod_l2(Hypervisor& hv, Domain& d, uint32_t l2, unsigned i, uint64_t e, std::string& why) {
  if (hv.frames()[l2].pae_xen_l2 && i >= kFirstHvL2Slot) {
    why = where("L2", l2, i) + " is one of the hypervisor's slots (" + hex(kHypervisorStart) +
          " and up) in the slot-3 L2";
    return -XEN_EPERM;
  }
  const uint64_t old_e = read_entry(hv, l2, i);
  if (e & pte::P) {
    if (!(e & (pte::PS | kL2Disallow)) && fast_path(old_e, e)) {
      write_entry(hv, l2, i, e);
      return 0;
    }
    if (int rc = get_l2e(hv, d, e, l2, i, why); rc != 0) return rc;
  }
  write_entry(hv, l2, i, e);
  put_l2e(hv, d, old_e, l2);
  return 0;
}

int mod_l3(Hypervisor& hv, Domain& d, uint32_t l3, unsigned i, uint64_t e, std::string& why) {
  if (i >= 3) {
    why = where("L3", l3, i) + ": only slots 0-2 of a PAE L3 may change (slot 3 holds the "
          "hypervisor's L2)";
    return -XEN_EINVAL;
  }
  const uint64_t old_e = read_entry(hv, l3, i);
  if (e & pte::P) {
    if (int rc = get_l3e(hv, d, e, l3, i, why); rc != 0) return rc;
    e &= ~kL3Cleared;
  }
  write_entry(hv, l3, i, e);
  put_l3e(hv, d, old_e);
  // The PDPTE registers are loaded with CR3: reload it wherever this L3 is in use.
  for (auto& v : d.vcpus)
    if (v->cr3_mfn == l3) hv.load_cr3(*v, l3);
  return 0;
}

}  // namespace

// ---- public ----------------------------------------------------------------------------------

int mm_get_page_and_type(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, bool pae_xen_l2,
                         std::string& why) {
  if (!owned(hv, d, mfn)) {
    why = frame(mfn) + " is not the domain's";
    return -XEN_EINVAL;
  }
  FrameInfo& f = hv.frames()[mfn];
  ++f.count;
  if (int rc = get_type(hv, d, mfn, type, pae_xen_l2, why); rc != 0) {
    --f.count;
    return rc;
  }
  return 0;
}

void mm_put_page_and_type(Hypervisor& hv, Domain& d, uint32_t mfn) {
  if (!hv.frames().valid(mfn)) return;
  put_type(hv, d, mfn);
  FrameInfo& f = hv.frames()[mfn];
  if (f.count) --f.count;
}

int mm_pin(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, std::string& why) {
  if (!owned(hv, d, mfn)) {
    why = "pin: " + frame(mfn) + " is not the domain's";
    return -XEN_EINVAL;
  }
  if (int rc = mm_get_page_and_type(hv, d, mfn, type, false, why); rc != 0) {
    why = std::string("pin ") + page_type_name(type) + ": " + why;
    return rc;
  }
  FrameInfo& f = hv.frames()[mfn];
  if (f.pinned) {
    mm_put_page_and_type(hv, d, mfn);
    why = "pin: " + frame(mfn) + " is already pinned";
    return -XEN_EINVAL;
  }
  f.pinned = true;
  return 0;
}

int mm_unpin(Hypervisor& hv, Domain& d, uint32_t mfn, std::string& why) {
  if (!owned(hv, d, mfn)) {
    why = "unpin: " + frame(mfn) + " is not the domain's";
    return -XEN_EINVAL;
  }
  FrameInfo& f = hv.frames()[mfn];
  if (!f.pinned) {
    why = "unpin: " + frame(mfn) + " is not pinned";
    return -XEN_EINVAL;
  }
  f.pinned = false;
  mm_put_page_and_type(hv, d, mfn);
  return 0;
}

int mm_set_baseptr(Hypervisor& hv, Vcpu& v, uint32_t l3_mfn, std::string& why) {
  Domain& d = hv.domain();
  const uint32_t old = v.base_mfn;
  if (old != l3_mfn) {
    if (int rc = mm_get_page_and_type(hv, d, l3_mfn, PageType::L3, false, why); rc != 0) {
      why = "new base pointer: " + why;
      return rc;
    }
    v.base_mfn = l3_mfn;
  }
  hv.load_cr3(v, l3_mfn);
  if (old != 0 && old != l3_mfn) mm_put_page_and_type(hv, d, old);
  return 0;
}

int mm_update_entry(Hypervisor& hv, Domain& d, uint64_t maddr, uint64_t val, bool preserve_ad,
                    std::string& why) {
  const uint64_t mfn64 = maddr >> kPageShift;
  const unsigned off = unsigned(maddr & (kPageSize - 1));
  if (off & 7) {
    why = "page-table update at " + hex(maddr) + " is not 8-byte aligned";
    return -XEN_EINVAL;
  }
  if (!owned(hv, d, mfn64)) {
    why = "page-table update in " + frame(mfn64) + ", which is not the domain's";
    return -XEN_EINVAL;
  }
  const uint32_t mfn = uint32_t(mfn64);
  const unsigned i = off / 8;
  FrameInfo& f = hv.frames()[mfn];
  if (preserve_ad) val |= read_entry(hv, mfn, i) & (pte::A | pte::D);
  if (f.type_count > 0 && f.validated && is_table(f.type)) {
    const PageType type = f.type;
    hv.timing_work(maddr, true);
    int rc;
    switch (type) {
      case PageType::L1: rc = mod_l1(hv, d, mfn, i, val, why); break;
      case PageType::L2: rc = mod_l2(hv, d, mfn, i, val, why); break;
      default: rc = mod_l3(hv, d, mfn, i, val, why); break;
    }
    if (hv.trace_sink()) {
      TraceEvent t(hv.trace_cycle(), hv.trace_vcpu(), "pt_validate",
                   std::string(rc ? "refuse " : "accept ") + page_type_name(type) + " entry");
      t.str("what", "entry").hex("mfn", mfn).str("type", page_type_name(type)).num("index", i).hex("value", val);
      t.flag("accepted", rc == 0);
      if (rc) t.num("error", rc).str("reason", why);
      hv.trace(std::move(t));
    }
    return rc;
  }
  // An ordinary page: a plain write, if it could be mapped writable.
  ++f.count;
  if (int rc = get_type(hv, d, mfn, PageType::Writable, false, why); rc != 0) {
    --f.count;
    why = "update in " + frame(mfn) + ", a " + page_type_name(f.type) + " page: " + why;
    return rc;
  }
  hv.timing_work(maddr, true);
  write_entry(hv, mfn, i, val);
  mm_put_page_and_type(hv, d, mfn);
  return 0;
}

void mm_put_l1e_refs(Hypervisor& hv, Domain& d, uint64_t entry) { put_l1e(hv, d, entry); }

int mm_find_l1e(Hypervisor& hv, Vcpu& v, uint32_t va, uint32_t& l1_mfn, unsigned& index,
                std::string& why) {
  if (va >= kHypervisorStart) {
    why = "address " + hex(va) + " is in the hypervisor's area";
    return -XEN_EINVAL;
  }
  if (!hv.frames().valid(v.cr3_mfn) || v.cr3_mfn == 0) {
    why = "the vcpu has no page tables";
    return -XEN_EINVAL;
  }
  const uint64_t l3e = read_entry(hv, v.cr3_mfn, va >> 30);
  if (!(l3e & pte::P) || !hv.frames().valid(entry_frame(l3e))) {
    why = "no L2 maps " + hex(va);
    return -XEN_EINVAL;
  }
  const uint64_t l2e = read_entry(hv, uint32_t(entry_frame(l3e)), (va >> 21) & 511);
  if (!(l2e & pte::P) || (l2e & pte::PS) || !hv.frames().valid(entry_frame(l2e))) {
    why = "no L1 maps " + hex(va);
    return -XEN_EINVAL;
  }
  l1_mfn = uint32_t(entry_frame(l2e));
  index = (va >> kPageShift) & 511;
  return 0;
}

void mm_flush_all(Hypervisor& hv) {
  for (auto& v : hv.domain().vcpus) v->cpu->mmu().flush(true);
  ++hv.frames().flush_gen;
}

void mm_flush_vcpu(Hypervisor&, Vcpu& v) { v.cpu->mmu().flush(true); }

void mm_invlpg_all(Hypervisor& hv, uint32_t va) {
  for (auto& v : hv.domain().vcpus) v->cpu->mmu().invlpg(va);
}

}  // namespace pvlab::hyper
