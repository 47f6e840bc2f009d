// An audit of the frame table: every reference mm.cpp's rules say should exist is counted
// again from the tables and the vcpus, and compared with what the frame table records. Used
// by the unit tests after every scenario, and handy when debugging a guest.
#include <vector>

#include "hyper/mm.h"
#include "hyper/mm_util.h"

namespace pvlab::hyper {

using namespace mmu;

bool mm_audit(Hypervisor& hv, Domain& d, std::string& report) {
  FrameTable& ft = hv.frames();
  const uint32_t n = ft.size();
  std::vector<uint32_t> count(n, 0), types(n, 0);
  auto ref = [&](uint64_t mfn, bool type) {
    if (mfn >= n) return;
    ++count[mfn];
    if (type) ++types[mfn];
  };
  for (uint32_t mfn = 0; mfn < n; ++mfn) {
    const FrameInfo& f = ft[mfn];
    if (f.owner != d.id || f.type_count == 0 || !f.validated) continue;
    if (f.pinned) ref(mfn, true);
    unsigned entries = 0;
    switch (f.type) {
      case PageType::L1: entries = kPaeEntries; break;
      case PageType::L2: entries = f.pae_xen_l2 ? kFirstHvL2Slot : kPaeEntries; break;
      case PageType::L3: entries = 4; break;
      default: break;
    }
    for (unsigned i = 0; i < entries; ++i) {
      const uint64_t e = read_entry(hv, mfn, i);
      if (!(e & pte::P)) continue;
      const uint64_t target = entry_frame(e);
      if (f.type == PageType::L1) ref(target, e & pte::RW);
      else if (target != mfn) ref(target, true);
    }
    if (f.type == PageType::L2 && f.pae_xen_l2)
      for (unsigned i = kFirstHvL2Slot; i < kPaeEntries; ++i)
        if (read_entry(hv, mfn, i) != hv.hv_l2_entry(i))
          report += "slot-3 " + where("L2", mfn, i) + " differs from the hypervisor's entry\n";
  }
  for (auto& v : d.vcpus) {
    if (v->base_mfn) ref(v->base_mfn, true);
    for (uint32_t g : v->gdt_frames) ref(g, true);
    for (uint32_t l : v->ldt_frames) ref(l, true);
  }
  for (uint32_t mfn = 0; mfn < n; ++mfn) {
    const FrameInfo& f = ft[mfn];
    if (f.owner != d.id) continue;
    const bool count_ok = f.shared_xen ? f.count >= count[mfn] : f.count == count[mfn];
    if (!count_ok || f.type_count != types[mfn]) {
      report += frame(mfn) + " (" + page_type_name(f.type) + "): count " + std::to_string(f.count) +
                " type count " + std::to_string(f.type_count) + ", expected " +
                std::to_string(count[mfn]) + " / " + std::to_string(types[mfn]) + "\n";
    }
    if (f.type_count == 0 && f.type != PageType::None)
      report += frame(mfn) + " keeps type " + page_type_name(f.type) + " with no type references\n";
  }
  return report.empty();
}

}  // namespace pvlab::hyper
