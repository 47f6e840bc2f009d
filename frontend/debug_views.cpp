// The debugger's views of a stopped machine (frontend/debug_views.h). Everything is read
// through the side-effect-free paths: Mmu::debug_walk / page_walk without updates,
// Cpu::debug_read, Bus::peek.
#include "frontend/debug_views.h"

#include <capstone/capstone.h>

#include <cstddef>
#include <cstdio>
#include <map>

#include "hyper/hypervisor.h"
#include "hyper/xen_abi.h"

namespace pvlab {

namespace {

std::string fmt(const char* f, auto... a) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

constexpr paddr_t kFrameMaskPae = 0x0000000ffffff000ull;   // 36 physical address bits

}  // namespace

// ---- page walk ----------------------------------------------------------------------------

std::string pte_flags(uint64_t e, bool pae) {
  std::string s;
  auto add = [&s](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(e & pte::P, "P");
  add(e & pte::RW, "RW");
  add(e & pte::US, "US");
  add(e & pte::PWT, "PWT");
  add(e & pte::PCD, "PCD");
  add(e & pte::A, "A");
  add(e & pte::D, "D");
  add(e & pte::PS, "PS");
  add(e & pte::G, "G");
  add(pae && (e & pte::NX), "NX");
  if (s.empty()) s = "-";
  return s;
}

PageWalkView page_walk_view(Cpu& cpu, uint32_t lin) {
  PageWalkView v;
  v.lin = lin;
  const PagingRegs& r = cpu.mmu().regs();
  v.paging = r.paging();
  v.pae = r.pae();
  v.nx_enabled = r.nx();
  const WalkResult w = page_walk(cpu.bus(), r, lin, kRead, false);
  v.ok = w.ok;
  v.phys = w.phys;
  v.page_size = w.page_size;
  v.error = w.error;
  if (!v.paging) return v;
  static const char* kPae[] = {"PDPTE", "PDE", "PTE"};
  static const char* kTwo[] = {"PDE", "PTE"};
  for (unsigned k = 0; k < w.nlevels; ++k) {
    WalkStepView s;
    s.level = v.pae ? kPae[k] : kTwo[k];
    s.entry_addr = w.level[k].entry_addr;
    s.entry = w.level[k].entry;
    const bool last = k + 1 == w.nlevels;
    s.leaf = last && w.ok;
    const bool pdpte = v.pae && k == 0;
    std::string bits = pdpte ? std::string((s.entry & pte::P) ? "P" : "-") : pte_flags(s.entry, v.pae);
    if (s.entry & pte::P) {
      const paddr_t frame = v.pae ? (s.entry & kFrameMaskPae) : (s.entry & 0xfffff000u);
      const bool large = !pdpte && (s.entry & pte::PS) && k + 1 == (v.pae ? 2u : 1u);
      if (large && !v.pae) {
        // PSE-36: bits 13..16 of a 4 MiB PDE are physical address bits 32..35.
        const paddr_t base = (s.entry & 0xffc00000u) | (paddr_t((s.entry >> 13) & 0xf) << 32);
        bits += fmt(" page=%#llx (4 MiB)", (unsigned long long)base);
      } else if (large) {
        bits += fmt(" page=%#llx (2 MiB)", (unsigned long long)(frame & ~paddr_t(0x1fffff)));
      } else {
        bits += fmt(" %s=%#llx", s.leaf ? "page" : "table", (unsigned long long)frame);
      }
    }
    s.bits = bits;
    v.steps.push_back(std::move(s));
  }
  return v;
}

std::string format_page_walk(const PageWalkView& v) {
  std::string o = fmt("linear %#010x: ", v.lin);
  if (!v.paging) return o + fmt("paging is off, physical %#llx\n", (unsigned long long)v.phys);
  o += v.pae ? "PAE paging" : "2-level paging";
  o += v.nx_enabled ? ", NX on\n" : "\n";
  for (const WalkStepView& s : v.steps)
    o += fmt("  %-5s at %#011llx = %016llx  %s\n", s.level.c_str(), (unsigned long long)s.entry_addr,
             (unsigned long long)s.entry, s.bits.c_str());
  if (v.ok) {
    o += fmt("  -> physical %#llx (%u KiB page)\n", (unsigned long long)v.phys, v.page_size >> 10);
  } else {
    o += fmt("  -> not mapped: a supervisor read would fault, #PF error %#x (%s%s)\n", v.error,
             (v.error & pferr::P) ? "protection" : "not present",
             (v.error & pferr::RSVD) ? ", reserved bit set" : "");
  }
  if (!v.note.empty()) o += "  (" + v.note + ")\n";
  return o;
}

// ---- TLB ----------------------------------------------------------------------------------

namespace {

std::string tlb_text(const char* name, const Tlb& t, bool entries) {
  const TlbStats& st = t.stats();
  const TlbGeometry& g = t.geometry();
  std::string o = fmt("%s: %u sets x %u ways, %zu valid; hits %llu misses %llu walks %llu fills %llu "
                      "flushes %llu invlpg %llu\n",
                      name, g.sets, g.ways, t.valid_entries(), (unsigned long long)st.hits,
                      (unsigned long long)st.misses, (unsigned long long)st.walks,
                      (unsigned long long)st.fills, (unsigned long long)st.flushes,
                      (unsigned long long)st.invlpgs);
  if (!entries) return o;
  const auto& e = t.entries();
  for (size_t k = 0; k < e.size(); ++k) {
    const TlbEntry& x = e[k];
    if (!(x.tag & TlbEntry::kValid)) continue;
    std::string perms;
    if (x.perms & perm::W) perms += " W";
    if (x.perms & perm::U) perms += " U";
    if (x.perms & perm::NX) perms += " NX";
    if (x.perms & perm::G) perms += " G";
    if (x.perms & perm::D) perms += " D";
    if (x.perms & perm::LARGE) perms += " large";
    o += fmt("  set %3zu way %zu: %08x -> %#llx%s%s\n", k / g.ways, k % g.ways, x.tag & ~kPageMask,
             (unsigned long long)x.frame, perms.c_str(), x.host ? "" : " (no host mapping)");
  }
  return o;
}

}  // namespace

std::string format_tlb(Cpu& cpu, bool entries) {
  return tlb_text("I-TLB", cpu.mmu().itlb(), entries) + tlb_text("D-TLB", cpu.mmu().dtlb(), entries);
}

// ---- descriptor tables ---------------------------------------------------------------------

DescriptorView decode_descriptor(uint64_t raw, unsigned index) {
  DescriptorView d;
  d.index = index;
  d.raw = raw;
  const unsigned access = unsigned(raw >> 40) & 0xff;
  const unsigned fl = unsigned(raw >> 52) & 0xf;
  d.present = access & 0x80;
  d.dpl = (access >> 5) & 3;
  d.system = !(access & 0x10);
  const unsigned type = access & 0xf;
  d.base = uint32_t((raw >> 16) & 0xffffff) | (uint32_t(raw >> 56) << 24);
  uint32_t limit = uint32_t(raw & 0xffff) | (uint32_t((raw >> 48) & 0xf) << 16);
  if (fl & 0x8) limit = (limit << 12) | 0xfff;
  d.limit = limit;
  if (!d.system) {
    const bool code = type & 8;
    if (code) {
      d.type = std::string("code X") + ((type & 2) ? "R" : "") + ((type & 4) ? " conforming" : "");
    } else {
      d.type = std::string("data R") + ((type & 2) ? "W" : "") + ((type & 4) ? " expand-down" : "");
    }
    if (type & 1) d.flags += "A ";
    d.flags += (fl & 0x4) ? "32-bit " : "16-bit ";
    if (fl & 0x8) d.flags += "G ";
    if (fl & 0x1) d.flags += "AVL ";
    if (!d.flags.empty()) d.flags.pop_back();
    return d;
  }
  static const char* kSys[16] = {"reserved", "16-bit TSS", "LDT", "16-bit TSS (busy)",
                                 "16-bit call gate", "task gate", "16-bit interrupt gate",
                                 "16-bit trap gate", "reserved", "32-bit TSS", "reserved",
                                 "32-bit TSS (busy)", "32-bit call gate", "reserved",
                                 "32-bit interrupt gate", "32-bit trap gate"};
  d.type = kSys[type];
  d.gate = type == 4 || type == 5 || type == 6 || type == 7 || type == 12 || type == 14 || type == 15;
  if (d.gate) {
    d.selector = uint16_t(raw >> 16);
    d.offset = uint32_t(raw & 0xffff) | (type >= 12 ? uint32_t(raw >> 48) << 16 : 0);
    if (type == 4 || type == 12) d.flags = fmt("%u parameters", unsigned(raw >> 32) & 0x1f);
  }
  return d;
}

bool read_descriptor_quiet(Cpu& cpu, uint16_t sel, uint64_t& desc) {
  const bool ldt = sel & 4;
  const uint32_t base = ldt ? cpu.s.ldtr.base : cpu.s.gdtr.base;
  const uint32_t limit = ldt ? cpu.s.ldtr.limit : cpu.s.gdtr.limit;
  const uint32_t off = sel & ~7u;
  if (uint64_t(off) + 7 > limit) return false;
  return cpu.debug_read(base + off, &desc, 8);
}

std::vector<DescriptorView> descriptor_table(Cpu& cpu, DescTableKind which, unsigned max) {
  std::vector<DescriptorView> out;
  uint32_t base = 0, limit = 0;
  switch (which) {
    case DescTableKind::Gdt: base = cpu.s.gdtr.base; limit = cpu.s.gdtr.limit; break;
    case DescTableKind::Ldt:
      if (!(cpu.s.ldtr.sel & ~3u) && cpu.protected_mode()) return out;
      base = cpu.s.ldtr.base;
      limit = cpu.s.ldtr.limit;
      break;
    case DescTableKind::Idt: base = cpu.s.idtr.base; limit = cpu.s.idtr.limit; break;
  }
  const unsigned n = unsigned((uint64_t(limit) + 1) / 8);
  for (unsigned k = 0; k < n && out.size() < max; ++k) {
    uint64_t raw;
    if (!cpu.debug_read(base + k * 8, &raw, 8)) continue;   // a page that is not mapped
    if (raw == 0) continue;
    out.push_back(decode_descriptor(raw, k));
  }
  return out;
}

std::string format_descriptor_table(Cpu& cpu, DescTableKind which, unsigned max) {
  const char* name = which == DescTableKind::Gdt ? "GDT" : which == DescTableKind::Ldt ? "LDT" : "IDT";
  std::string o;
  if (which == DescTableKind::Idt && cpu.s.mode == CpuMode::Real) {
    o = fmt("IVT at %#x (real mode), limit %#x\n", cpu.s.idtr.base, cpu.s.idtr.limit);
    for (unsigned v = 0; v < 256 && v * 4 + 3 <= cpu.s.idtr.limit && v < max; ++v) {
      uint32_t e;
      if (cpu.debug_read(cpu.s.idtr.base + v * 4, &e, 4) && e)
        o += fmt("  %3u  %04x:%04x\n", v, e >> 16, e & 0xffff);
    }
    return o;
  }
  const uint32_t base = which == DescTableKind::Gdt ? cpu.s.gdtr.base
                        : which == DescTableKind::Ldt ? cpu.s.ldtr.base : cpu.s.idtr.base;
  const uint32_t limit = which == DescTableKind::Gdt ? cpu.s.gdtr.limit
                         : which == DescTableKind::Ldt ? cpu.s.ldtr.limit : cpu.s.idtr.limit;
  o = fmt("%s at %#010x, limit %#x", name, base, limit);
  if (which == DescTableKind::Ldt) o += fmt(" (selector %#06x)", cpu.s.ldtr.sel);
  o += " (non-null entries)\n";
  for (const DescriptorView& d : descriptor_table(cpu, which, max)) {
    const unsigned shown = which == DescTableKind::Idt ? d.index : (d.index * 8) | (which == DescTableKind::Ldt ? 4 : 0);
    o += fmt(which == DescTableKind::Idt ? "  %3u  " : "  %04x ", shown);
    o += fmt("%016llx %s dpl=%u %-22s", (unsigned long long)d.raw, d.present ? "P" : "-", d.dpl,
             d.type.c_str());
    if (d.gate) o += fmt(" -> %04x:%08x", d.selector, d.offset);
    else o += fmt(" base=%08x limit=%08x", d.base, d.limit);
    if (!d.flags.empty()) o += " " + d.flags;
    o += "\n";
  }
  return o;
}

std::string format_tss(Cpu& cpu) {
  const SegCache& tr = cpu.s.tr;
  std::string o = fmt("TR=%04x base=%08x limit=%08x type=%u\n", tr.sel, tr.base, tr.limit, tr.attr & 0xf);
  if ((tr.attr & 0xf) != 9 && (tr.attr & 0xf) != 11) return o + "  (not a 32-bit TSS)\n";
  uint32_t t[26];
  if (tr.limit < 103 || !cpu.debug_read(tr.base, t, sizeof t)) return o + "  (not readable)\n";
  o += fmt("  link=%04x  esp0=%08x ss0=%04x  esp1=%08x ss1=%04x  esp2=%08x ss2=%04x\n", t[0] & 0xffff,
           t[1], t[2] & 0xffff, t[3], t[4] & 0xffff, t[5], t[6] & 0xffff);
  o += fmt("  cr3=%08x eip=%08x eflags=%08x\n", t[7], t[8], t[9]);
  o += fmt("  eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x edi=%08x\n", t[10],
           t[11], t[12], t[13], t[14], t[15], t[16], t[17]);
  o += fmt("  es=%04x cs=%04x ss=%04x ds=%04x fs=%04x gs=%04x ldt=%04x  T=%u iomap=%04x\n",
           t[18] & 0xffff, t[19] & 0xffff, t[20] & 0xffff, t[21] & 0xffff, t[22] & 0xffff,
           t[23] & 0xffff, t[24] & 0xffff, t[25] & 1, t[25] >> 16);
  return o;
}

// ---- instructions -------------------------------------------------------------------------

InsnInfo insn_info(Cpu& cpu, uint32_t lin) {
  InsnInfo info;
  uint8_t buf[15];
  size_t n = 0;
  while (n < sizeof buf && cpu.debug_read(lin + uint32_t(n), buf + n, 1)) ++n;
  if (n == 0) return info;
  csh h = 0;
  if (cs_open(CS_ARCH_X86, cpu.code32() ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) return info;
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* ci = nullptr;
  if (cs_disasm(h, buf, n, lin, 1, &ci) == 1) {
    info.len = ci->size;
    info.text = std::string(ci->mnemonic) + (ci->op_str[0] ? " " : "") + ci->op_str;
    info.call = cs_insn_group(h, ci, CS_GRP_CALL);
    info.interrupt = cs_insn_group(h, ci, CS_GRP_INT);
    // A string instruction after F2 / F3 (other prefixes may come between).
    bool rep = false;
    unsigned k = 0;
    for (; k < ci->size; ++k) {
      const uint8_t b = buf[k];
      if (b == 0xf2 || b == 0xf3) rep = true;
      else if (!(b == 0xf0 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 ||
                 b == 0x65 || b == 0x66 || b == 0x67))
        break;
    }
    if (rep && k < ci->size) {
      const uint8_t op = buf[k];
      info.rep_string = (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f);
    }
    cs_free(ci, 1);
  }
  cs_close(&h);
  return info;
}

// ---- counters -----------------------------------------------------------------------------

std::string format_counters(Cpu& cpu) {
  const BlockCacheStats& b = cpu.blocks().stats();
  return fmt("instructions %llu  cycles %llu\n", (unsigned long long)cpu.s.insns,
             (unsigned long long)cpu.s.cycles) +
         fmt("block cache: %zu blocks, %llu lookups, %llu misses, %llu built, %llu invalidated, %llu flushes\n",
             cpu.blocks().size(), (unsigned long long)b.lookups, (unsigned long long)b.misses,
             (unsigned long long)b.built, (unsigned long long)b.invalidated,
             (unsigned long long)b.flushes) +
         format_tlb(cpu, false);
}

// ---- the PV hypervisor --------------------------------------------------------------------

std::string format_frames(hyper::Hypervisor& hv, uint32_t first, uint32_t count) {
  using hyper::FrameInfo;
  using hyper::PageType;
  const hyper::FrameTable& ft = hv.frames();
  std::map<std::string, unsigned> by_kind;
  for (uint32_t mfn = 0; mfn < ft.size(); ++mfn) {
    const FrameInfo& f = ft[mfn];
    const std::string owner = f.owner == hyper::kOwnerNone ? "free"
                              : f.owner == hyper::kOwnerXen ? "xen"
                                                            : "dom" + std::to_string(f.owner);
    ++by_kind[owner + " " + hyper::page_type_name(f.type)];
  }
  std::string o = fmt("frame table: %u machine frames\n", ft.size());
  for (const auto& [k, n] : by_kind) o += fmt("  %-20s %u\n", k.c_str(), n);
  const uint32_t end = count ? std::min<uint64_t>(uint64_t(first) + count, ft.size()) : ft.size();
  unsigned shown = 0;
  for (uint32_t mfn = first; mfn < end && shown < 512; ++mfn) {
    const FrameInfo& f = ft[mfn];
    const bool interesting = count || f.pinned ||
                             (f.type != PageType::None && f.type != PageType::Writable);
    if (!interesting) continue;
    ++shown;
    o += fmt("  mfn %#7x pfn %#7x owner %#06x %-10s type_count %u count %u%s%s%s%s\n", mfn, hv.m2p(mfn),
             f.owner, hyper::page_type_name(f.type), f.type_count, f.count, f.validated ? " validated" : "",
             f.pinned ? " pinned" : "", f.pae_xen_l2 ? " pae_xen_l2" : "", f.shared_xen ? " shared_xen" : "");
  }
  return o;
}

std::string format_evtchn(hyper::Hypervisor& hv) {
  hyper::Domain& d = hv.domain();
  const paddr_t si = paddr_t(d.shared_info_mfn) << kPageShift;
  auto bit = [&](size_t field, uint32_t port) {
    uint32_t w = 0;
    const paddr_t a = si + field + 4 * (port / 32);
    for (unsigned k = 0; k < 4; ++k) {
      uint8_t b = 0;
      hv.bus().peek(a + k, b);
      w |= uint32_t(b) << (8 * k);
    }
    return (w >> (port % 32)) & 1;
  };
  static const char* kState[] = {"closed", "unbound", "interdomain", "pirq", "virq", "ipi"};
  std::string o = fmt("event channels of domain %u (shared_info at mfn %#x)\n", d.id, d.shared_info_mfn);
  const auto& ports = d.evtchn.ports;
  for (uint32_t p = 0; p < ports.size(); ++p) {
    const hyper::EventChannel& c = ports[p];
    if (c.state == hyper::PortState::Free) continue;
    const unsigned st = unsigned(c.state);
    o += fmt("  port %4u %-11s vcpu %u", p, st < 6 ? kState[st] : "reserved", c.notify_vcpu);
    if (c.state == hyper::PortState::Virq) o += fmt(" virq %u", c.virq);
    if (c.state == hyper::PortState::Interdomain)
      o += c.host ? std::string(" -> host back end") : fmt(" -> dom %u port %u", c.remote_dom, c.remote_port);
    if (c.state == hyper::PortState::Unbound) o += fmt(" (for dom %u)", c.remote_dom);
    if (d.shared_info_mfn) {
      if (bit(offsetof(shared_info_x86_32_t, evtchn_pending), p)) o += " pending";
      if (bit(offsetof(shared_info_x86_32_t, evtchn_mask), p)) o += " masked";
    }
    o += "\n";
  }
  for (auto& vp : d.vcpus) {
    uint8_t pending = 0, mask = 0;
    if (vp->vcpu_info_maddr) {
      hv.bus().peek(vp->vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending), pending);
      hv.bus().peek(vp->vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask), mask);
    }
    o += fmt("  vcpu %u: upcall pending %u, mask %u%s\n", vp->id, pending, mask,
             vp->vcpu_info_maddr ? "" : " (no vcpu_info)");
  }
  return o;
}

std::string format_hypercalls(hyper::Hypervisor& hv, unsigned n) {
  const hyper::HypercallLog& log = hv.hypercall_log();
  const auto& recent = log.recent();
  std::string o = fmt("hypercalls: %llu in all, %llu refused; the last %zu:\n",
                      (unsigned long long)log.total(), (unsigned long long)log.failed(),
                      std::min<size_t>(n, recent.size()));
  const size_t start = recent.size() > n ? recent.size() - n : 0;
  for (size_t k = start; k < recent.size(); ++k) {
    const hyper::HypercallRecord& r = recent[k];
    o += fmt("  [cycle %llu] vcpu %u ", (unsigned long long)r.cycle, r.vcpu) +
         hyper::format_hypercall(hv.hypercalls(), r) + "\n";
  }
  return o;
}

}  // namespace pvlab
