// The memory-management hypercalls: mmu_update, mmuext_op, update_va_mapping (and its
// _otherdomain form), set_gdt and update_descriptor; memory_op is in hc_memory.cpp. The
// checks themselves are mm.cpp's and mm_desc.cpp's; this file reads the guest's arguments,
// walks the batches (stopping at the first refusal, reporting how many were done through
// success_count; a long batch is preempted and continued, hypercalls.h) and carries out the
// TLB flushes the guest asks for.
#include <cerrno>
#include <string>
#include <vector>

#include "hyper/abi32.h"
#include "hyper/mm.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

using namespace mmu;

namespace {

constexpr uint32_t kPreempted = 0x80000000u;   // MMU_UPDATE_PREEMPTED: a continuation

// The foreign-domain argument of mmu_update / mmuext_op: pvlab runs one domain, so only
// DOMID_SELF (or the domain's own id) is accepted. The top half names the page-table owner
// plus one (0: the same).
bool self_domain(HypercallCtx& c, uint32_t foreigndom) {
  const uint32_t fd = foreigndom & 0xffff, pt = foreigndom >> 16;
  if (fd != DOMID_SELF && fd != c.dom.id) {
    c.reject(-XEN_ESRCH, "foreign domain " + std::to_string(fd) + " does not exist (pvlab runs one domain)");
    return false;
  }
  if (pt != 0 && pt - 1 != c.dom.id) {
    c.reject(-XEN_ESRCH, "page-table owner " + std::to_string(pt - 1) + " does not exist");
    return false;
  }
  return true;
}

int32_t report_done(HypercallCtx& c, uint32_t done_va, uint32_t done, int32_t rc) {
  if (done_va && !put_guest(c.hv, c.vcpu, done_va, done))
    return c.reject(-XEN_EFAULT, "success_count not writable");
  return rc;
}

// The vcpus a guest bitmap (one 32-bit word: at most 32 vcpus) selects; false when unreadable.
bool read_vcpumask(HypercallCtx& c, uint32_t va, std::vector<Vcpu*>& out) {
  uint32_t mask = 0;
  if (!get_guest(c.hv, c.vcpu, va, mask)) return false;
  for (auto& v : c.dom.vcpus)
    if (v->id < 32 && (mask & (1u << v->id))) out.push_back(v.get());
  return true;
}

// A batch's count argument: with MMU_UPDATE_PREEMPTED set the call is a continuation, and
// what the earlier passes did is read back from success_count (Xen's rule: each pass adds
// its own work to the count it finds there).
uint32_t batch_start(HypercallCtx& c, uint32_t count_arg, uint32_t done_va, uint32_t& count) {
  count = count_arg & ~kPreempted;
  uint32_t before = 0;
  if ((count_arg & kPreempted) && done_va && !get_guest(c.hv, c.vcpu, done_va, before)) before = 0;
  return before;
}

// Preempt a batch after `done` entries of this pass: the rest starts at `at`.
bool batch_preempt(HypercallCtx& c, const char* what, uint32_t done, uint32_t count, uint32_t at) {
  if (done == 0 || !hypercall_preempt_check(done)) return false;
  c.create_continuation({at, (count - done) | kPreempted, c.arg[2], c.arg[3], c.arg[4]},
                        std::string("preempted after ") + std::to_string(done) + " " + what + "; " +
                            std::to_string(count - done) + " left");
  return true;
}

int32_t do_mmu_update(HypercallCtx& c) {
  const uint32_t req_va = c.arg[0], done_va = c.arg[2];
  uint32_t count = 0;
  const uint32_t before = batch_start(c, c.arg[1], done_va, count);
  if (!self_domain(c, c.arg[3])) return report_done(c, done_va, before, -XEN_ESRCH);
  uint32_t done = 0;
  int32_t rc = 0;
  for (; done < count; ++done) {
    mmu_update_t req;
    if (batch_preempt(c, "requests", done, count, req_va + done * uint32_t(sizeof req))) break;
    if (!get_guest(c.hv, c.vcpu, req_va + done * uint32_t(sizeof req), req)) {
      rc = c.reject(-XEN_EFAULT, "request " + std::to_string(before + done) + " not readable");
      break;
    }
    const unsigned cmd = unsigned(req.ptr & 3);
    const uint64_t ptr = req.ptr & ~uint64_t(3);
    std::string why;
    switch (cmd) {
      case MMU_NORMAL_PT_UPDATE:
      case MMU_PT_UPDATE_PRESERVE_AD:
        rc = mm_update_entry(c.hv, c.dom, ptr, req.val, cmd == MMU_PT_UPDATE_PRESERVE_AD, why);
        break;
      case MMU_MACHPHYS_UPDATE: {
        const uint64_t mfn = ptr >> kPageShift;
        if (!c.hv.frames().valid(mfn) || c.hv.frames()[uint32_t(mfn)].owner != c.dom.id) {
          why = "M2P update of " + frame(mfn) + ", which is not the domain's";
          rc = -XEN_EINVAL;
        } else {
          c.hv.set_m2p(uint32_t(mfn), uint32_t(req.val));
        }
        break;
      }
      default:
        why = "command " + std::to_string(cmd) + " (MMU_PT_UPDATE_NO_TRANSLATE is for translated guests)";
        rc = -XEN_ENOSYS;
        break;
    }
    if (rc != 0) {
      c.reject(rc, "request " + std::to_string(before + done) + ": " + why);
      break;
    }
  }
  return report_done(c, done_va, before + done, rc);
}

int clear_or_copy(HypercallCtx& c, uint32_t dst, const uint32_t* src, std::string& why) {
  Hypervisor& hv = c.hv;
  if (src && (!hv.frames().valid(*src) || hv.frames()[*src].owner != c.dom.id)) {
    why = "copy from " + frame(*src) + ", which is not the domain's";
    return -XEN_EINVAL;
  }
  std::string inner;
  if (mm_get_page_and_type(hv, c.dom, dst, PageType::Writable, false, inner) != 0) {
    why = std::string(src ? "copy to " : "clear ") + frame(dst) + ": " + inner;
    return -XEN_EINVAL;
  }
  std::vector<uint8_t> page(kPageSize, 0);
  if (src) std::memcpy(page.data(), hv.frame_ptr(*src), kPageSize);
  write_machine(hv, uint64_t(dst) << kPageShift, page.data(), kPageSize);
  mm_put_page_and_type(hv, c.dom, dst);
  return 0;
}

int one_mmuext(HypercallCtx& c, const abi32::mmuext_op& op, std::string& why) {
  Hypervisor& hv = c.hv;
  switch (op.cmd) {
    case MMUEXT_PIN_L1_TABLE: return mm_pin(hv, c.dom, op.arg1.mfn, PageType::L1, why);
    case MMUEXT_PIN_L2_TABLE: return mm_pin(hv, c.dom, op.arg1.mfn, PageType::L2, why);
    case MMUEXT_PIN_L3_TABLE: return mm_pin(hv, c.dom, op.arg1.mfn, PageType::L3, why);
    case MMUEXT_PIN_L4_TABLE: return 0;   // no such level for a PAE guest: ignored, as Xen does
    case MMUEXT_UNPIN_TABLE: return mm_unpin(hv, c.dom, op.arg1.mfn, why);
    case MMUEXT_NEW_BASEPTR: return mm_set_baseptr(hv, c.vcpu, op.arg1.mfn, why);
    case MMUEXT_NEW_USER_BASEPTR:
      why = "NEW_USER_BASEPTR is for 64-bit guests";
      return -XEN_EINVAL;
    case MMUEXT_TLB_FLUSH_LOCAL: mm_flush_vcpu(hv, c.vcpu); return 0;
    case MMUEXT_INVLPG_LOCAL: c.vcpu.cpu->mmu().invlpg(op.arg1.linear_addr); return 0;
    case MMUEXT_TLB_FLUSH_ALL: mm_flush_all(hv); return 0;
    case MMUEXT_INVLPG_ALL: mm_invlpg_all(hv, op.arg1.linear_addr); return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI: {
      std::vector<Vcpu*> vs;
      if (!read_vcpumask(c, op.arg2.vcpumask, vs)) {
        why = "vcpu mask at " + hex(op.arg2.vcpumask) + " not readable";
        return -XEN_EFAULT;
      }
      for (Vcpu* v : vs) {
        if (op.cmd == MMUEXT_TLB_FLUSH_MULTI) mm_flush_vcpu(hv, *v);
        else v->cpu->mmu().invlpg(op.arg1.linear_addr);
      }
      return 0;
    }
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
      why = "cache flushes need I/O privileges";
      return -XEN_EACCES;
    case MMUEXT_SET_LDT: return mm_set_ldt(hv, c.vcpu, op.arg1.linear_addr, op.arg2.nr_ents, why);
    case MMUEXT_CLEAR_PAGE: return clear_or_copy(c, op.arg1.mfn, nullptr, why);
    case MMUEXT_COPY_PAGE: return clear_or_copy(c, op.arg1.mfn, &op.arg2.src_mfn, why);
    default:
      why = "unknown command " + std::to_string(op.cmd);
      return -XEN_ENOSYS;
  }
}

int32_t do_mmuext_op(HypercallCtx& c) {
  const uint32_t ops_va = c.arg[0], done_va = c.arg[2];
  uint32_t count = 0;
  const uint32_t before = batch_start(c, c.arg[1], done_va, count);
  if (!self_domain(c, c.arg[3])) return report_done(c, done_va, before, -XEN_ESRCH);
  uint32_t done = 0;
  int32_t rc = 0;
  for (; done < count; ++done) {
    abi32::mmuext_op op;
    if (batch_preempt(c, "ops", done, count, ops_va + done * uint32_t(sizeof op))) break;
    if (!get_guest(c.hv, c.vcpu, ops_va + done * uint32_t(sizeof op), op)) {
      rc = c.reject(-XEN_EFAULT, "op " + std::to_string(before + done) + " not readable");
      break;
    }
    std::string why;
    if ((rc = one_mmuext(c, op, why)) != 0) {
      c.reject(rc, "op " + std::to_string(before + done) + " (cmd " + std::to_string(op.cmd) + "): " + why);
      break;
    }
  }
  return report_done(c, done_va, before + done, rc);
}

// The flush an update_va_mapping asks for (UVMF_*).
int flush_after_update(HypercallCtx& c, uint32_t va, uint32_t flags) {
  const uint32_t type = flags & UVMF_FLUSHTYPE_MASK, target = flags & ~uint32_t(UVMF_FLUSHTYPE_MASK);
  if (type != UVMF_TLB_FLUSH && type != UVMF_INVLPG) return 0;
  std::vector<Vcpu*> vs;
  if (target == UVMF_LOCAL) {
    vs.push_back(&c.vcpu);
  } else if (target == UVMF_ALL) {
    if (type == UVMF_TLB_FLUSH) {
      mm_flush_all(c.hv);
      return 0;
    }
    for (auto& v : c.dom.vcpus) vs.push_back(v.get());
  } else if (!read_vcpumask(c, target, vs)) {
    return c.reject(-XEN_EFAULT, "vcpu mask at " + hex(target) + " not readable");
  }
  for (Vcpu* v : vs) {
    if (type == UVMF_TLB_FLUSH) mm_flush_vcpu(c.hv, *v);
    else v->cpu->mmu().invlpg(va);
  }
  return 0;
}

int32_t update_va_mapping(HypercallCtx& c, uint32_t va, uint64_t val, uint32_t flags) {
  std::string why;
  uint32_t l1 = 0;
  unsigned i = 0;
  int32_t rc = mm_find_l1e(c.hv, c.vcpu, va, l1, i, why);
  if (rc == 0) {
    const FrameInfo& f = c.hv.frames()[l1];
    if (f.type != PageType::L1 || f.type_count == 0 || f.owner != c.dom.id) {
      why = "the table mapping " + hex(va) + " (" + frame(l1) + ") is not one of the domain's L1s";
      rc = -XEN_EINVAL;
    } else {
      rc = mm_update_entry(c.hv, c.dom, (uint64_t(l1) << kPageShift) + i * 8, val, false, why);
    }
  }
  if (rc != 0) c.reject(rc, "va " + hex(va) + ": " + why);
  const int32_t frc = flush_after_update(c, va, flags);
  return rc != 0 ? rc : frc;
}

int32_t do_update_va_mapping(HypercallCtx& c) {
  return update_va_mapping(c, c.arg[0], uint64_t(c.arg[1]) | (uint64_t(c.arg[2]) << 32), c.arg[3]);
}

int32_t do_update_va_mapping_otherdomain(HypercallCtx& c) {
  const uint32_t dom = c.arg[4];
  if (dom != DOMID_SELF && dom != c.dom.id)
    return c.reject(-XEN_ESRCH, "domain " + std::to_string(dom) + " does not exist (pvlab runs one domain)");
  return do_update_va_mapping(c);
}

int32_t do_set_gdt(HypercallCtx& c) {
  const uint32_t list_va = c.arg[0], entries = c.arg[1];
  if (entries > kFirstReservedGdtEntry)
    return c.reject(-XEN_EINVAL, std::to_string(entries) + " GDT entries: at most " +
                                     std::to_string(kFirstReservedGdtEntry));
  std::vector<uint32_t> frames((entries + kGdtEntriesPerPage - 1) / kGdtEntriesPerPage);
  if (!frames.empty() && !copy_from_guest(c.hv, c.vcpu, list_va, frames.data(), frames.size() * 4))
    return c.reject(-XEN_EFAULT, "frame list not readable");
  std::string why;
  if (int rc = mm_set_gdt(c.hv, c.vcpu, frames, entries, why); rc != 0) return c.reject(rc, why);
  return 0;
}

int32_t do_update_descriptor(HypercallCtx& c) {
  const uint64_t maddr = uint64_t(c.arg[0]) | (uint64_t(c.arg[1]) << 32);
  const uint64_t desc = uint64_t(c.arg[2]) | (uint64_t(c.arg[3]) << 32);
  std::string why;
  if (int rc = mm_update_descriptor(c.hv, c.dom, maddr, desc, why); rc != 0) return c.reject(rc, why);
  return 0;
}

}  // namespace

void register_mm_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_mmu_update, "mmu_update", {Arg::Ptr, Arg::Count, Arg::Ptr, Arg::Domid}, do_mmu_update});
  t.add({__HYPERVISOR_mmuext_op, "mmuext_op", {Arg::Ptr, Arg::Count, Arg::Ptr, Arg::Domid}, do_mmuext_op});
  t.add({__HYPERVISOR_update_va_mapping, "update_va_mapping", {Arg::Ptr, Arg::Lo, Arg::Hi, Arg::Uint},
         do_update_va_mapping});
  t.add({__HYPERVISOR_update_va_mapping_otherdomain, "update_va_mapping_otherdomain",
         {Arg::Ptr, Arg::Lo, Arg::Hi, Arg::Uint, Arg::Domid}, do_update_va_mapping_otherdomain});
  t.add({__HYPERVISOR_set_gdt, "set_gdt", {Arg::Ptr, Arg::Count}, do_set_gdt});
  t.add({__HYPERVISOR_update_descriptor, "update_descriptor", {Arg::Lo, Arg::Hi, Arg::Lo, Arg::Hi},
         do_update_descriptor});
  t.add({__HYPERVISOR_memory_op, "memory_op", {Arg::Cmd, Arg::Ptr}, mm_memory_op});
}

}  // namespace pvlab::hyper
