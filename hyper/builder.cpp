#include "hyper/builder.h"

#include <cstring>

#include "hyper/elf_notes.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/mm.h"
#include "hyper/schedule.h"
#include "hyper/time.h"
#include "hyper/vcpu.h"

namespace pvlab::hyper {

namespace {

constexpr uint32_t kMiB = 1u << 20;
constexpr uint32_t kPadding = 512u << 10;
constexpr uint32_t kMapAlign = 4 * kMiB;

uint32_t page_up(uint64_t v) { return uint32_t((v + kPageSize - 1) & ~uint64_t(kPageSize - 1)); }

// Page tables needed to map [base, end): the L3, one L2 per 1 GiB slot touched plus the
// slot-3 L2 that always carries the hypervisor's entries, one L1 per 2 MiB.
uint32_t tables_for(uint32_t base, uint64_t end) {
  uint32_t l2 = 0;
  bool slot3 = false;
  for (unsigned s = 0; s < 4; ++s) {
    const uint64_t lo = uint64_t(s) * kL3Span, hi = lo + kL3Span;
    if (base < hi && end > lo) {
      ++l2;
      if (s == 3) slot3 = true;
    }
  }
  if (!slot3) ++l2;
  const uint64_t l1 = ((end + kL2Span - 1) / kL2Span) - base / kL2Span;
  return 1 + l2 + uint32_t(l1);
}

void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

}  // namespace

void fill_hypercall_page(uint8_t* p) {
  std::memset(p, 0xcc, kPageSize);
  for (unsigned n = 0; n < kPageSize / 32; ++n) {
    uint8_t* s = p + n * 32;
    if (n == __HYPERVISOR_iret) {
      const uint8_t stub[] = {0x50, 0xb8, uint8_t(n), 0, 0, 0, 0xcd, kHypercallVector};
      std::memcpy(s, stub, sizeof stub);
    } else {
      const uint8_t stub[] = {0xb8, uint8_t(n), 0, 0, 0, 0xcd, kHypercallVector, 0xc3};
      std::memcpy(s, stub, sizeof stub);
    }
  }
}

bool Hypervisor::build(const GuestImage& img, std::string& error) {
  const std::optional<XenGuestInfo> info = parse_xen_guest(img, error);
  if (!info) return false;
  if (!info->layout) {
    error = img.path + ": the kernel's layout could not be resolved";
    return false;
  }
  BootParams bp;
  bp.virt_base = uint32_t(info->layout->virt_base);
  bp.entry = uint32_t(info->layout->virt_entry);
  bp.hypercall_page = uint32_t(info->layout->virt_hypercall.value_or(0));
  Domain& d = dom_;
  d.initdomain = cfg_.initdomain;
  // As Xen's builders do: a kernel whose page directories may live anywhere starts with the
  // pae_extended_cr3 assist on.
  if (info->extended_cr3()) d.vm_assist |= 1u << VMASST_TYPE_pae_extended_cr3;
  d.name = img.path;

  // The domain's memory: the frames after the hypervisor's pool and the M2P.
  const uint32_t first = m2p_first_mfn_ + (machine_frames() * 4 + kPageSize - 1) / kPageSize;
  d.nr_pages = machine_frames() - first;
  d.tot_pages = d.max_pages = d.nr_pages;
  d.p2m.resize(d.nr_pages);
  for (uint32_t pfn = 0; pfn < d.nr_pages; ++pfn) {
    const uint32_t mfn = first + pfn;
    d.p2m[pfn] = mfn;
    frames_[mfn] = FrameInfo{};
    frames_[mfn].owner = d.id;
    set_m2p(mfn, pfn);
  }
  auto pfn_ptr = [&](uint32_t pfn) { return frame_ptr(d.p2m[pfn]); };
  const uint64_t dom_bytes = uint64_t(d.nr_pages) << kPageShift;

  // The kernel image.
  BootLayout L;
  uint64_t lo = ~0ull, hi = 0;
  for (const GuestSegment& s : img.segments) {
    if (s.mem_size == 0) continue;
    lo = std::min<uint64_t>(lo, s.vaddr);
    hi = std::max<uint64_t>(hi, uint64_t(s.vaddr) + s.mem_size);
  }
  if (hi == 0) {
    error = img.path + ": no loadable segment";
    return false;
  }
  if (lo < bp.virt_base || hi > kHypervisorStart || hi - bp.virt_base > dom_bytes) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "%s: the kernel spans %#llx-%#llx, which is not inside VIRT_BASE %#x .. the "
                  "domain's %u MiB",
                  img.path.c_str(), (unsigned long long)lo, (unsigned long long)hi, bp.virt_base,
                  unsigned(dom_bytes >> 20));
    error = buf;
    return false;
  }
  for (const GuestSegment& s : img.segments) {
    for (uint32_t off = 0; off < s.mem_size;) {
      const uint32_t va = s.vaddr + off;
      const uint32_t pfn = (va - bp.virt_base) >> kPageShift;
      const uint32_t in_page = va & (kPageSize - 1);
      const uint32_t n = std::min(kPageSize - in_page, s.mem_size - off);
      uint8_t* dst = pfn_ptr(pfn) + in_page;
      if (off < s.file_size) {
        const uint32_t c = std::min(n, s.file_size - off);
        std::memcpy(dst, s.data + off, c);
        std::memset(dst + c, 0, n - c);
      } else {
        std::memset(dst, 0, n);
      }
      off += n;
    }
  }
  L.kernel_start = uint32_t(lo) & ~(kPageSize - 1);
  // BSD_SYMTAB: the symbol-table block (frontend/bsd_symtab.h) follows the image at its end
  // rounded up to 4 bytes, and the kernel's end moves past it, as in Xen's builder: the
  // kernel finds the block after its own end, and the P2M list starts on the next page.
  if (info->bsd_symtab) {
    if (img.symtab.empty()) {
      error = img.path + ": the kernel asks for its symbol table (BSD_SYMTAB), but " +
              (img.symtab_error.empty() ? std::string("none was given") : img.symtab_error);
      return false;
    }
    const uint64_t at = (hi + 3) & ~uint64_t(3);
    const uint64_t end = at + img.symtab.size();
    if (end > kHypervisorStart || end - bp.virt_base > dom_bytes) {
      error = img.path + ": the kernel and its symbol table (" + std::to_string(img.symtab.size()) +
              " bytes) do not fit in the domain's " + std::to_string(dom_bytes >> 20) + " MiB";
      return false;
    }
    for (uint32_t off = 0; off < img.symtab.size();) {
      const uint32_t va = uint32_t(at) + off;
      const uint32_t in_page = va & (kPageSize - 1);
      const uint32_t n = std::min<uint32_t>(kPageSize - in_page, uint32_t(img.symtab.size()) - off);
      std::memcpy(pfn_ptr((va - bp.virt_base) >> kPageShift) + in_page, img.symtab.data() + off, n);
      off += n;
    }
    L.symtab_va = uint32_t(at);
    L.symtab_size = uint32_t(img.symtab.size());
    hi = end;
  }
  L.kernel_end = page_up(hi);

  // The rest of the bootstrap region.
  uint32_t v = L.kernel_end;
  L.p2m_va = v;
  v += page_up(uint64_t(d.nr_pages) * 4);
  L.start_info_va = v;
  v += kPageSize;
  // A domU gets a xenstore page and a console ring; the initial domain has neither (it uses
  // console_io, and xenstore is its own to start), as in Xen's dom0 builder.
  if (!d.initdomain) {
    L.xenstore_va = v;
    v += kPageSize;
    L.console_va = v;
    v += kPageSize;
  }
  L.pt_va = v;
  uint32_t nr_pt = 0;
  uint64_t mapped_end = 0;
  for (;;) {
    const uint64_t stack_end = uint64_t(L.pt_va) + uint64_t(nr_pt + 1) * kPageSize;
    mapped_end = (stack_end + kPadding + kMapAlign - 1) & ~uint64_t(kMapAlign - 1);
    const uint32_t need = tables_for(bp.virt_base, mapped_end);
    if (need <= nr_pt) break;
    nr_pt = need;
  }
  L.nr_pt_frames = nr_pt;
  L.stack_va = L.pt_va + nr_pt * kPageSize;
  L.mapped_end = uint32_t(mapped_end);
  if (mapped_end - bp.virt_base > dom_bytes || mapped_end > kHypervisorStart) {
    error = img.path + ": the bootstrap region (" + std::to_string((mapped_end - bp.virt_base) >> 10) +
            " KiB) does not fit in the domain's " + std::to_string(dom_bytes >> 20) + " MiB";
    return false;
  }
  auto pfn_of = [&](uint32_t va) { return (va - bp.virt_base) >> kPageShift; };
  auto mfn_of = [&](uint32_t va) { return d.p2m[pfn_of(va)]; };

  // P2M list.
  for (uint32_t pfn = 0; pfn < d.nr_pages; ++pfn) {
    const uint32_t va = L.p2m_va + pfn * 4;
    std::memcpy(pfn_ptr(pfn_of(va)) + (va & (kPageSize - 1)), &d.p2m[pfn], 4);
  }

  // Bootstrap page tables: the L3, then the L2s in slot order, then the L1s.
  const uint32_t l3_mfn = mfn_of(L.pt_va);
  uint32_t next_pt = 1;
  uint32_t l2_mfn[4] = {};
  const unsigned first_slot = bp.virt_base >> 30, last_slot = unsigned((mapped_end - 1) >> 30);
  for (unsigned s = 0; s < 4; ++s) {
    if ((s >= first_slot && s <= last_slot) || s == 3) {
      l2_mfn[s] = mfn_of(L.pt_va + next_pt++ * kPageSize);
      put64(frame_ptr(l3_mfn) + s * 8, (uint64_t(l2_mfn[s]) << kPageShift) | pte::P);
    }
  }
  for (uint64_t va = bp.virt_base & ~uint64_t(kL2Span - 1); va < mapped_end; va += kL2Span) {
    const uint32_t l1 = mfn_of(L.pt_va + next_pt++ * kPageSize);
    const unsigned s = unsigned(va >> 30), i = unsigned((va >> 21) & 511);
    put64(frame_ptr(l2_mfn[s]) + i * 8,
          (uint64_t(l1) << kPageShift) | pte::P | pte::RW | pte::US | pte::A | pte::D);
    for (unsigned k = 0; k < kPaeEntries; ++k) {
      const uint64_t pva = va + uint64_t(k) * kPageSize;
      if (pva < bp.virt_base || pva >= mapped_end) continue;
      const bool is_pt = pva >= L.pt_va && pva < L.stack_va;
      const uint32_t mfn = mfn_of(uint32_t(pva));
      put64(frame_ptr(l1) + k * 8,
            (uint64_t(mfn) << kPageShift) | pte::P | pte::A | (is_pt ? 0 : pte::RW));
    }
  }
  // The tables are raw entries so far: pinning the L3 below validates the tree, copies the
  // hypervisor's entries into the slot-3 L2 and takes every reference (hyper/mm.cpp).

  // Shared info, start_info, console and xenstore pages.
  d.shared_info_mfn = alloc_xen_frame();
  frames_[d.shared_info_mfn].owner = d.id;
  frames_[d.shared_info_mfn].shared_xen = true;
  for (auto& vp : d.vcpus) {
    vp->vcpu_info_maddr = (uint64_t(d.shared_info_mfn) << kPageShift) + vp->id * sizeof(vcpu_info_x86_32_t);
    uint8_t mask = 1;
    if (vp->id < XEN_LEGACY_MAX_VCPUS)
      write_machine(*this, vp->vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask), &mask, 1);
  }
  events_init_domain(*this, d);   // the console and xenstore ports start_info names
  time_init_domain(*this, d);
  d.start_info_pfn = pfn_of(L.start_info_va);
  start_info_x86_32_t si{};
  std::strncpy(si.magic, "xen-3.0-x86_32p", sizeof si.magic - 1);
  si.nr_pages = d.nr_pages;
  si.shared_info = d.shared_info_mfn << kPageShift;
  si.flags = d.initdomain ? (SIF_INITDOMAIN | SIF_PRIVILEGED) : 0;
  if (!d.initdomain) {
    d.xenstore_pfn = pfn_of(L.xenstore_va);
    d.console_pfn = pfn_of(L.console_va);
    si.store_mfn = d.p2m[d.xenstore_pfn];
    si.store_evtchn = d.xenstore_evtchn;
    si.console.domU.mfn = d.p2m[d.console_pfn];
    si.console.domU.evtchn = d.console_evtchn;
  }
  // The initial domain: store_mfn, store_evtchn and console.dom0 (no VGA/VESA text console
  // information) stay zero.
  si.pt_base = L.pt_va;
  si.nr_pt_frames = L.nr_pt_frames;
  si.mfn_list = L.p2m_va;
  std::strncpy(reinterpret_cast<char*>(si.cmd_line), cfg_.cmdline.c_str(), sizeof si.cmd_line - 1);
  std::memcpy(pfn_ptr(d.start_info_pfn), &si, sizeof si);

  // The hypercall page: 32-byte stubs `mov $n,%eax; int $0x82; ret`, iret's own, 0xCC elsewhere.
  if (bp.hypercall_page) {
    if (bp.hypercall_page < L.kernel_start || bp.hypercall_page + kPageSize > L.kernel_end ||
        (bp.hypercall_page & (kPageSize - 1))) {
      error = img.path + ": HYPERCALL_PAGE is not a page of the kernel image";
      return false;
    }
    fill_hypercall_page(pfn_ptr(pfn_of(bp.hypercall_page)));
  }
  layout_ = L;

  // Pin the L3 (validating the whole tree) and load it on vcpu 0.
  std::string why;
  if (mm_pin(*this, d, l3_mfn, PageType::L3, why) != 0 || mm_set_baseptr(*this, d.vcpu(0), l3_mfn, why) != 0) {
    error = img.path + ": the bootstrap page tables were refused: " + why;
    return false;
  }

  // vcpu 0 enters in ring 1.
  Vcpu& v0 = d.vcpu(0);
  v0.online = true;
  v0.initialised = true;
  vcpu_enter_pv_mode(*this, v0);
  load_cr3(v0, l3_mfn);
  enter_ring1(v0, bp.entry, L.stack_va + kPageSize);
  v0.cpu->s.r[ESI] = L.start_info_va;
  sched_init_domain(*this, d);
  return true;
}

}  // namespace pvlab::hyper
