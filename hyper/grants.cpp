#include "hyper/grants.h"

#include <cstring>

#include "hyper/abi32.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/mm.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

namespace {

static_assert(sizeof(gnttab_map_grant_ref) == 32, "map_grant_ref: same layout on both ABIs");
static_assert(sizeof(gnttab_unmap_grant_ref) == 24, "unmap_grant_ref: same layout on both ABIs");
static_assert(sizeof(gnttab_query_size) == 16 && sizeof(grant_entry_v1_t) == 8);

constexpr unsigned kEntriesPerFrame = kPageSize / sizeof(grant_entry_v1_t);
constexpr uint16_t kDomidSelf = DOMID_SELF;

uint64_t entry_maddr(const GrantTable& g, uint32_t ref) {
  return (uint64_t(g.frames[ref / kEntriesPerFrame]) << kPageShift) +
         (ref % kEntriesPerFrame) * sizeof(grant_entry_v1_t);
}

bool resolve_domain(HypercallCtx& c, uint16_t dom) {
  return dom == kDomidSelf || dom == c.dom.id;
}

// Set or clear GTF_reading / GTF_writing in the granter's entry as mappings come and go.
void update_in_use(Hypervisor& hv, Domain& d, uint32_t ref) {
  GrantTable& g = d.grants;
  grant_entry_v1_t e;
  read_machine(hv, entry_maddr(g, ref), &e, sizeof e);
  e.flags &= uint16_t(~(GTF_reading | GTF_writing));
  if (g.readers[ref] || g.writers[ref]) e.flags |= GTF_reading;   // a writer reads too
  if (g.writers[ref]) e.flags |= GTF_writing;
  write_machine(hv, entry_maddr(g, ref), &e.flags, sizeof e.flags);
}

// Install or clear the PTE for a host mapping in the current page tables of `v`.
// The entry's L1 must exist; grant mappings are the only entries the hypervisor writes into
// guest L1s on a guest's behalf, with references held on the granted frame.
bool find_l1e(Hypervisor& hv, Vcpu& v, uint32_t va, uint64_t& l1e_maddr, std::string& why) {
  if (va >= kHypervisorStart || (va & (kPageSize - 1))) {
    why = "host address is not a page-aligned guest address";
    return false;
  }
  uint64_t e3 = 0, e2 = 0;
  read_machine(hv, (uint64_t(v.cr3_mfn) << kPageShift) + (va >> 30) * 8, &e3, 8);
  if (!(e3 & pte::P)) {
    why = "no L2 maps the host address";
    return false;
  }
  read_machine(hv, (e3 & pte::kAddrMask) + ((va >> 21) & 511) * 8, &e2, 8);
  if (!(e2 & pte::P) || (e2 & pte::PS)) {
    why = "no L1 maps the host address";
    return false;
  }
  l1e_maddr = (e2 & pte::kAddrMask) + ((va >> 12) & 511) * 8;
  return true;
}

int16_t map_one(HypercallCtx& c, gnttab_map_grant_ref& op) {
  if (!resolve_domain(c, op.dom)) {
    c.reject(-XEN_EINVAL, "grant map: domain " + std::to_string(op.dom) + " does not exist");
    return GNTST_bad_domain;
  }
  if (!(op.flags & GNTMAP_host_map)) {
    c.reject(-XEN_EINVAL, "grant map: only GNTMAP_host_map mappings are offered");
    return GNTST_general_error;
  }
  if (op.flags & GNTMAP_contains_pte) {
    c.reject(-XEN_EINVAL, "grant map: GNTMAP_contains_pte is not offered");
    return GNTST_general_error;
  }
  const bool write = !(op.flags & GNTMAP_readonly);
  uint32_t mfn = 0;
  std::string why;
  int st = grant_access(c.hv, c.dom, c.dom.id, op.ref, write, mfn, why);
  if (st != GNTST_okay) {
    c.reject(-XEN_EINVAL, why);
    return int16_t(st);
  }
  uint64_t l1e_maddr = 0;
  if (!find_l1e(c.hv, c.vcpu, uint32_t(op.host_addr), l1e_maddr, why)) {
    c.reject(-XEN_EINVAL, "grant map: " + why);
    return GNTST_bad_virt_addr;
  }
  uint64_t old = 0;
  read_machine(c.hv, l1e_maddr, &old, 8);
  if (old & pte::P) {
    c.reject(-XEN_EINVAL, "grant map: the host address is already mapped");
    return GNTST_bad_virt_addr;
  }
  FrameInfo& f = c.hv.frames()[mfn];
  if (write) {
    if (f.type_count && f.type != PageType::Writable) {
      c.reject(-XEN_EINVAL, "grant map: frame " + std::to_string(mfn) + " is in use as " +
                                page_type_name(f.type) + " and cannot be mapped writable");
      return GNTST_general_error;
    }
    f.type = PageType::Writable;
    ++f.type_count;
  }
  ++f.count;
  const uint64_t e = (uint64_t(mfn) << kPageShift) | pte::P | pte::US | pte::A |
                     (write ? pte::RW | pte::D : 0);
  write_machine(c.hv, l1e_maddr, &e, 8);
  GrantTable& g = c.dom.grants;
  (write ? g.writers : g.readers)[op.ref]++;
  update_in_use(c.hv, c.dom, op.ref);
  uint32_t h = 0;
  while (h < g.maptrack.size() && g.maptrack[h].used) ++h;
  if (h == g.maptrack.size()) g.maptrack.emplace_back();
  g.maptrack[h] = GrantMapping{true, op.ref, c.dom.id, mfn, !write, true, uint32_t(op.host_addr)};
  op.handle = h;
  op.dev_bus_addr = uint64_t(mfn) << kPageShift;
  return GNTST_okay;
}

int16_t unmap_one(HypercallCtx& c, gnttab_unmap_grant_ref& op) {
  GrantTable& g = c.dom.grants;
  if (op.handle >= g.maptrack.size() || !g.maptrack[op.handle].used) {
    c.reject(-XEN_EINVAL, "grant unmap: handle " + std::to_string(op.handle) + " is not a mapping");
    return GNTST_bad_handle;
  }
  GrantMapping& m = g.maptrack[op.handle];
  if (op.host_addr && uint32_t(op.host_addr) != m.host_va) {
    c.reject(-XEN_EINVAL, "grant unmap: host address does not match the mapping");
    return GNTST_bad_virt_addr;
  }
  // The mapping's references live in its PTE, counted like any L1 entry's (mm_audit sees no
  // difference). They go back with the PTE: here when it still maps the granted frame, or
  // already, when the guest overwrote or zapped the entry (mmu_update, update_va_mapping,
  // or its L1 being torn down), and then nothing is dropped twice.
  uint64_t l1e_maddr = 0;
  std::string why;
  bool cleared = false;
  if (find_l1e(c.hv, c.vcpu, m.host_va, l1e_maddr, why)) {
    uint64_t cur = 0;
    read_machine(c.hv, l1e_maddr, &cur, 8);
    if ((cur & pte::P) && pte::mfn(cur) == m.mfn) {
      const uint64_t zero = 0;
      write_machine(c.hv, l1e_maddr, &zero, 8);
      mm_put_l1e_refs(c.hv, c.dom, cur);
      mm_invlpg_all(c.hv, m.host_va);
      cleared = true;
    }
  }
  Domain& granter = c.dom;
  auto& counter = (m.readonly ? granter.grants.readers : granter.grants.writers)[m.ref];
  if (counter) --counter;
  update_in_use(c.hv, granter, m.ref);
  const GrantMapping gone = m;
  m = GrantMapping{};
  if (!cleared) {
    // Xen answers the same and keeps the grant busy until the domain dies; pvlab ends the
    // mapping, whose PTE and references are already gone.
    c.reject(-XEN_EINVAL, "grant unmap: the PTE at " + mmu::hex(gone.host_va) + " no longer maps " +
                              mmu::frame(gone.mfn) + " (overwritten by the guest; its references went with it)");
    return GNTST_general_error;
  }
  return GNTST_okay;
}

// One side of a copy: a grant reference of `domid` or a frame of the caller's own.
int16_t copy_side(HypercallCtx& c, const abi32::gnttab_copy_ptr& p, bool gref, bool write,
                  uint64_t& maddr, uint16_t len) {
  if (p.offset + uint32_t(len) > kPageSize) {
    c.reject(-XEN_EINVAL, "grant copy: offset + length crosses the page");
    return GNTST_bad_copy_arg;
  }
  uint32_t mfn = 0;
  if (gref) {
    if (p.domid != kDomidSelf && p.domid != c.dom.id) {
      c.reject(-XEN_EINVAL, "grant copy: domain " + std::to_string(p.domid) + " does not exist");
      return GNTST_bad_domain;
    }
    std::string why;
    int st = grant_access(c.hv, c.dom, c.dom.id, p.u, write, mfn, why);
    if (st != GNTST_okay) {
      c.reject(-XEN_EINVAL, why);
      return int16_t(st);
    }
  } else {
    mfn = p.u;
    if (!c.hv.frames().valid(mfn) || c.hv.frames()[mfn].owner != c.dom.id) {
      c.reject(-XEN_EINVAL, "grant copy: frame " + std::to_string(mfn) + " is not the domain's");
      return GNTST_bad_copy_arg;
    }
    if (write && c.hv.frames()[mfn].type_count && c.hv.frames()[mfn].type != PageType::Writable) {
      c.reject(-XEN_EINVAL, "grant copy: frame " + std::to_string(mfn) + " is a " +
                                page_type_name(c.hv.frames()[mfn].type));
      return GNTST_bad_copy_arg;
    }
  }
  maddr = (uint64_t(mfn) << kPageShift) + p.offset;
  return GNTST_okay;
}

template <typename T>
bool get_op(HypercallCtx& c, uint32_t va, uint32_t i, T& op) {
  return get_guest(c.hv, c.vcpu, va + i * uint32_t(sizeof(T)), op);
}
template <typename T>
bool put_op(HypercallCtx& c, uint32_t va, uint32_t i, const T& op) {
  return put_guest(c.hv, c.vcpu, va + i * uint32_t(sizeof(T)), op);
}

int32_t do_grant_table_op(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0], va = c.arg[1], count = c.arg[2];
  if (count > 512) return c.reject(-XEN_EINVAL, "more than 512 grant operations in one call");
  const std::string fault = "grant operation " + std::to_string(cmd) + ": argument not accessible";
  switch (cmd) {
    case GNTTABOP_setup_table: {
      for (uint32_t i = 0; i < count; ++i) {
        abi32::gnttab_setup_table op;
        if (!get_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
        op.status = GNTST_okay;
        if (!resolve_domain(c, op.dom)) {
          op.status = GNTST_bad_domain;
        } else if (op.nr_frames > GrantTable::kMaxFrames || !grant_table_grow(c.hv, c.dom, op.nr_frames)) {
          op.status = GNTST_general_error;
          c.reject(-XEN_EINVAL, "grant table of " + std::to_string(op.nr_frames) +
                                    " frames exceeds the maximum of " +
                                    std::to_string(GrantTable::kMaxFrames));
        } else {
          for (uint32_t k = 0; k < op.nr_frames; ++k)
            if (!put_guest(c.hv, c.vcpu, op.frame_list + k * 4, c.dom.grants.frames[k]))
              return c.reject(-XEN_EFAULT, "setup_table: frame_list not writable");
        }
        if (!put_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
      }
      return 0;
    }
    case GNTTABOP_query_size: {
      gnttab_query_size op;
      if (!get_op(c, va, 0, op)) return c.reject(-XEN_EFAULT, fault);
      if (!resolve_domain(c, op.dom)) {
        op.status = GNTST_bad_domain;
      } else {
        op.nr_frames = uint32_t(c.dom.grants.frames.size());
        op.max_nr_frames = GrantTable::kMaxFrames;
        op.status = GNTST_okay;
      }
      if (!put_op(c, va, 0, op)) return c.reject(-XEN_EFAULT, fault);
      return 0;
    }
    case GNTTABOP_set_version: {
      gnttab_set_version op;
      if (!get_op(c, va, 0, op)) return c.reject(-XEN_EFAULT, fault);
      const uint32_t want = op.version;
      op.version = c.dom.grants.version;
      put_op(c, va, 0, op);
      if (want != 1)
        return c.reject(-XEN_EINVAL, "grant table version " + std::to_string(want) +
                                         " is not offered (pvlab offers version 1)");
      return 0;
    }
    case GNTTABOP_get_version: {
      gnttab_get_version op;
      if (!get_op(c, va, 0, op)) return c.reject(-XEN_EFAULT, fault);
      if (!resolve_domain(c, op.dom)) return c.reject(-XEN_ESRCH, "no such domain");
      op.version = c.dom.grants.version;
      if (!put_op(c, va, 0, op)) return c.reject(-XEN_EFAULT, fault);
      return 0;
    }
    case GNTTABOP_map_grant_ref: {
      for (uint32_t i = 0; i < count; ++i) {
        gnttab_map_grant_ref op;
        if (!get_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
        op.status = map_one(c, op);
        if (!put_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
      }
      return 0;
    }
    case GNTTABOP_unmap_grant_ref: {
      for (uint32_t i = 0; i < count; ++i) {
        gnttab_unmap_grant_ref op;
        if (!get_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
        op.status = unmap_one(c, op);
        if (!put_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
      }
      return 0;
    }
    case GNTTABOP_copy: {
      for (uint32_t i = 0; i < count; ++i) {
        abi32::gnttab_copy op;
        if (!get_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
        uint64_t src = 0, dst = 0;
        op.status = copy_side(c, op.source, op.flags & GNTCOPY_source_gref, false, src, op.len);
        if (op.status == GNTST_okay)
          op.status = copy_side(c, op.dest, op.flags & GNTCOPY_dest_gref, true, dst, op.len);
        if (op.status == GNTST_okay) {
          std::memmove(c.hv.mem().ptr(dst), c.hv.mem().ptr(src), op.len);
          c.hv.bus().note_write(dst, op.len);
        }
        if (!put_op(c, va, i, op)) return c.reject(-XEN_EFAULT, fault);
      }
      return 0;
    }
    default:
      return c.reject(-XEN_ENOSYS, "grant_table_op " + std::to_string(cmd) + " is not offered");
  }
}

}  // namespace

bool grant_table_grow(Hypervisor& hv, Domain& d, unsigned frames) {
  GrantTable& g = d.grants;
  if (frames > GrantTable::kMaxFrames) return false;
  while (g.frames.size() < frames) {
    const uint32_t mfn = hv.alloc_xen_frame();
    if (!mfn) return false;
    hv.frames()[mfn].owner = d.id;
    hv.frames()[mfn].shared_xen = true;
    g.frames.push_back(mfn);
  }
  g.readers.resize(g.frames.size() * kEntriesPerFrame);
  g.writers.resize(g.frames.size() * kEntriesPerFrame);
  return true;
}

int grant_access(Hypervisor& hv, Domain& granter, uint16_t grantee, uint32_t ref, bool write,
                 uint32_t& mfn, std::string& reason) {
  const GrantTable& g = granter.grants;
  if (ref >= g.frames.size() * kEntriesPerFrame) {
    reason = "grant reference " + std::to_string(ref) + " is beyond the grant table";
    return GNTST_bad_gntref;
  }
  grant_entry_v1_t e;
  read_machine(hv, entry_maddr(g, ref), &e, sizeof e);
  if ((e.flags & GTF_type_mask) != GTF_permit_access) {
    reason = "grant reference " + std::to_string(ref) + " does not permit access";
    return GNTST_bad_gntref;
  }
  if (e.domid != grantee) {
    reason = "grant reference " + std::to_string(ref) + " is for domain " + std::to_string(e.domid) +
             ", not " + std::to_string(grantee);
    return GNTST_permission_denied;
  }
  if (write && (e.flags & GTF_readonly)) {
    reason = "grant reference " + std::to_string(ref) + " is read-only";
    return GNTST_permission_denied;
  }
  if (!hv.frames().valid(e.frame) || hv.frames()[e.frame].owner != granter.id) {
    reason = "grant reference " + std::to_string(ref) + " names frame " + std::to_string(e.frame) +
             ", which the granting domain does not own";
    return GNTST_general_error;
  }
  mfn = e.frame;
  return GNTST_okay;
}

void register_grant_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_grant_table_op, "grant_table_op", {Arg::Cmd, Arg::Ptr, Arg::Count}, do_grant_table_op});
}

}  // namespace pvlab::hyper
