// memory_op: the questions a PV guest asks about its memory (reservation sizes, the highest
// frame, an e820 map of its RAM, where the M2P lives and which machine frames hold it), the
// balloon operations in the form pvlab allows them, and add_to_physmap for the shared_info
// page and grant-table frames.
//
// Reservations: a domain owns tot_pages frames, at most max_pages (both start at the size it
// was built with). decrease_reservation gives frames back, one 4 KiB extent at a time, only
// while nothing maps or uses them (Xen would free a still-mapped page later; pvlab refuses
// it and stops there). increase_reservation and populate_physmap hand given-back frames out
// again, scrubbed. The answer is the number of extents done, as in Xen.
//
// The domain is not translated: add_to_physmap only records the frame in the M2P at the
// guest frame asked for; the guest maps the machine frame itself.
#include <cerrno>
#include <string>

#include "hyper/abi32.h"
#include "hyper/mm.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

using namespace mmu;

namespace {

// The low bits of memory_op's command are the operation, the rest the extent to continue
// from (Xen's MEMOP_CMD_MASK / MEMOP_EXTENT_SHIFT, which the public headers do not export).
constexpr uint32_t kCmdMask = 0x3f;
constexpr unsigned kExtentShift = 6;
constexpr uint32_t kE820Ram = 1;
constexpr uint32_t kInvalidPfn = 0xffffffffu;

bool self(HypercallCtx& c, uint32_t domid) {
  if (domid == DOMID_SELF || domid == c.dom.id) return true;
  c.reject(-XEN_ESRCH, "domain " + std::to_string(domid) + " does not exist (pvlab runs one domain)");
  return false;
}

int32_t domain_query(HypercallCtx& c, uint32_t va, uint32_t value) {
  uint16_t domid = 0;
  if (!get_guest(c.hv, c.vcpu, va, domid)) return c.reject(-XEN_EFAULT, "domid not readable");
  if (!self(c, domid)) return -XEN_ESRCH;
  return int32_t(value);
}

int32_t memory_map(HypercallCtx& c, uint32_t va) {
  abi32::xen_memory_map map;
  if (!get_guest(c.hv, c.vcpu, va, map)) return c.reject(-XEN_EFAULT, "xen_memory_map not readable");
  if (map.nr_entries < 1) return c.reject(-XEN_EINVAL, "no room for the one e820 entry");
  abi32::e820_entry e{0, uint64_t(c.dom.nr_pages) << kPageShift, kE820Ram};
  if (!put_guest(c.hv, c.vcpu, map.buffer, e)) return c.reject(-XEN_EFAULT, "e820 buffer not writable");
  map.nr_entries = 1;
  if (!put_guest(c.hv, c.vcpu, va, map)) return c.reject(-XEN_EFAULT, "xen_memory_map not writable");
  return 0;
}

// The machine frame starting each 2 MiB of the M2P, read from the hypervisor's own L2 slots.
int32_t machphys_mfn_list(HypercallCtx& c, uint32_t va) {
  abi32::xen_machphys_mfn_list l;
  if (!get_guest(c.hv, c.vcpu, va, l)) return c.reject(-XEN_EFAULT, "xen_machphys_mfn_list not readable");
  uint32_t n = 0;
  for (uint32_t v = kM2PStart; v < kM2PEnd && n < l.max_extents; v += kL2Span, ++n) {
    const uint64_t l2e = c.hv.hv_l2_entry((v >> 21) & 511);
    if (!(l2e & pte::P)) break;
    const uint64_t l1e = read_entry(c.hv, uint32_t(entry_frame(l2e)), 0);
    if (!(l1e & pte::P)) break;
    const uint32_t mfn = uint32_t(entry_frame(l1e));
    if (!put_guest(c.hv, c.vcpu, l.extent_start + n * 4, mfn))
      return c.reject(-XEN_EFAULT, "extent list not writable");
  }
  l.nr_extents = n;
  if (!put_guest(c.hv, c.vcpu, va, l)) return c.reject(-XEN_EFAULT, "xen_machphys_mfn_list not writable");
  return 0;
}

int32_t machphys_mapping(HypercallCtx& c, uint32_t va) {
  abi32::xen_machphys_mapping m{kM2PStart, kM2PEnd, (kM2PEnd - kM2PStart) / 4 - 1};
  if (!put_guest(c.hv, c.vcpu, va, m)) return c.reject(-XEN_EFAULT, "xen_machphys_mapping not writable");
  return 0;
}

int32_t add_to_physmap(HypercallCtx& c, uint32_t va) {
  abi32::xen_add_to_physmap x;
  if (!get_guest(c.hv, c.vcpu, va, x)) return c.reject(-XEN_EFAULT, "xen_add_to_physmap not readable");
  if (!self(c, x.domid)) return -XEN_ESRCH;
  uint32_t mfn = 0;
  switch (x.space) {
    case XENMAPSPACE_shared_info:
      if (x.idx != 0) return c.reject(-XEN_EINVAL, "shared_info has one page (idx 0)");
      mfn = c.dom.shared_info_mfn;
      break;
    case XENMAPSPACE_grant_table: {
      if (x.idx & XENMAPIDX_grant_table_status)
        return c.reject(-XEN_EINVAL, "grant status frames exist only in grant tables v2");
      if (!grant_table_grow(c.hv, c.dom, x.idx + 1))
        return c.reject(-XEN_EINVAL, "grant frame " + std::to_string(x.idx) + " is beyond the table's maximum");
      mfn = c.dom.grants.frames[x.idx];
      break;
    }
    default:
      return c.reject(-XEN_EINVAL, "map space " + std::to_string(x.space) +
                                       " is for translated guests (a PV guest maps machine frames itself)");
  }
  if (x.gpfn >= c.dom.p2m.size())
    return c.reject(-XEN_EINVAL, "guest frame " + hex(x.gpfn) + " is beyond the domain's memory");
  c.hv.set_m2p(mfn, x.gpfn);
  return 0;
}

// ---- reservations ----------------------------------------------------------------------------

// A frame the domain gave back, or 0.
uint32_t free_frame(Hypervisor& hv, const Domain& d) {
  for (uint32_t mfn : d.p2m)
    if (hv.frames().valid(mfn) && hv.frames()[mfn].owner == kOwnerNone) return mfn;
  return 0;
}

int32_t reservation(HypercallCtx& c, uint32_t op, uint32_t va, uint32_t start) {
  abi32::xen_memory_reservation r;
  if (!get_guest(c.hv, c.vcpu, va, r)) return c.reject(-XEN_EFAULT, "xen_memory_reservation not readable");
  if (!self(c, r.domid)) return -XEN_ESRCH;
  if (start > r.nr_extents) return c.reject(-XEN_EINVAL, "start extent beyond nr_extents");
  Hypervisor& hv = c.hv;
  Domain& d = c.dom;
  uint32_t i = start;
  for (; i < r.nr_extents; ++i) {
    if (r.extent_order != 0) {
      c.reject(-XEN_EINVAL, "extents of order " + std::to_string(r.extent_order) + ": pvlab moves single pages");
      break;
    }
    const uint32_t slot = r.extent_start + i * 4;
    uint32_t val = 0;
    if (op != XENMEM_increase_reservation && !get_guest(hv, c.vcpu, slot, val)) {
      c.reject(-XEN_EFAULT, "extent " + std::to_string(i) + " not readable");
      break;
    }
    if (op == XENMEM_decrease_reservation) {
      if (!hv.frames().valid(val) || hv.frames()[val].owner != d.id) {
        c.reject(-XEN_EINVAL, "extent " + std::to_string(i) + ": " + frame(val) + " is not the domain's");
        break;
      }
      FrameInfo& f = hv.frames()[val];
      if (f.count || f.type_count || f.shared_xen) {
        c.reject(-XEN_EBUSY, "extent " + std::to_string(i) + ": " + frame(val) +
                                 " is still mapped or in use (" + std::to_string(f.count) + " references)");
        break;
      }
      if (f.unmapped_gen == hv.frames().flush_gen) mm_flush_all(hv);
      f = FrameInfo{};
      hv.set_m2p(val, kInvalidPfn);
      --d.tot_pages;
      continue;
    }
    // increase_reservation / populate_physmap
    if (d.tot_pages >= d.max_pages) {
      c.reject(-XEN_ENOMEM, "the domain holds its maximum of " + std::to_string(d.max_pages) + " pages");
      break;
    }
    const uint32_t mfn = free_frame(hv, d);
    if (mfn == 0) {
      c.reject(-XEN_ENOMEM, "no frame to give");
      break;
    }
    if (op == XENMEM_populate_physmap && val >= d.p2m.size()) {
      c.reject(-XEN_EINVAL, "extent " + std::to_string(i) + ": guest frame " + hex(val) + " is beyond the domain's memory");
      break;
    }
    if (!put_guest(hv, c.vcpu, slot, mfn)) {
      c.reject(-XEN_EFAULT, "extent " + std::to_string(i) + " not writable");
      break;
    }
    std::vector<uint8_t> zero(kPageSize, 0);
    write_machine(hv, uint64_t(mfn) << kPageShift, zero.data(), kPageSize);
    hv.frames()[mfn].owner = d.id;
    hv.set_m2p(mfn, op == XENMEM_populate_physmap ? val : kInvalidPfn);
    ++d.tot_pages;
  }
  return int32_t(i);
}

}  // namespace

int32_t mm_memory_op(HypercallCtx& c) {
  const uint32_t op = c.arg[0] & kCmdMask, start = c.arg[0] >> kExtentShift, va = c.arg[1];
  if (start != 0 && op != XENMEM_increase_reservation && op != XENMEM_decrease_reservation &&
      op != XENMEM_populate_physmap)
    return c.reject(-XEN_EINVAL, "a start extent only continues reservation operations");
  Domain& d = c.dom;
  switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: return reservation(c, op, va, start);
    case XENMEM_maximum_ram_page: return int32_t(c.hv.machine_frames());
    case XENMEM_current_reservation: return domain_query(c, va, d.tot_pages);
    case XENMEM_maximum_reservation: return domain_query(c, va, d.max_pages);
    case XENMEM_maximum_gpfn: return domain_query(c, va, uint32_t(d.p2m.size()) - 1);
    case XENMEM_memory_map: return memory_map(c, va);
    case XENMEM_machine_memory_map: return c.reject(-XEN_EPERM, "the machine's memory map is for the initial domain's tools");
    case XENMEM_machphys_mfn_list: return machphys_mfn_list(c, va);
    case XENMEM_machphys_mapping: return machphys_mapping(c, va);
    case XENMEM_add_to_physmap: return add_to_physmap(c, va);
    default: return c.reject(-XEN_ENOSYS, "memory_op " + std::to_string(op) + " is not supported");
  }
}

}  // namespace pvlab::hyper
