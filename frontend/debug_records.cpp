// The debugger's table views (frontend/debug_records.h), read through side-effect-free paths
// (Tlb::entries, Bus::peek, the hypervisor's own tables).
#include "frontend/debug_records.h"

#include <cstddef>
#include <cstdio>

#include "hyper/hypervisor.h"
#include "hyper/layout.h"
#include "hyper/xen_abi.h"

namespace pvlab {

namespace {

std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

TlbRecord tlb_record(const char* name, const Tlb& t) {
  TlbRecord r;
  r.name = name;
  const TlbStats& st = t.stats();
  r.sets = t.geometry().sets;
  r.ways = t.geometry().ways;
  r.hits = st.hits;
  r.misses = st.misses;
  r.walks = st.walks;
  r.fills = st.fills;
  r.flushes = st.flushes;
  r.invlpgs = st.invlpgs;
  const auto& e = t.entries();
  for (size_t k = 0; k < e.size(); ++k) {
    const TlbEntry& x = e[k];
    if (!(x.tag & TlbEntry::kValid)) continue;
    TlbEntryRecord o;
    o.set = unsigned(k / r.ways);
    o.way = unsigned(k % r.ways);
    o.lin = x.tag & ~kPageMask;
    o.frame = x.frame;
    o.write = x.perms & perm::W;
    o.user = x.perms & perm::U;
    o.nx = x.perms & perm::NX;
    o.global = x.perms & perm::G;
    o.dirty = x.perms & perm::D;
    o.large = x.perms & perm::LARGE;
    o.host = x.host != nullptr;
    r.entries.push_back(o);
  }
  return r;
}

// A little-endian word of machine memory, read with Bus::peek (0 where nothing answers).
uint32_t peek32(hyper::Hypervisor& hv, paddr_t a) {
  uint32_t w = 0;
  for (unsigned k = 0; k < 4; ++k) {
    uint8_t b = 0;
    hv.bus().peek(a + k, b);
    w |= uint32_t(b) << (8 * k);
  }
  return w;
}

const char* arg_kind_name(hyper::Arg k) {
  switch (k) {
    case hyper::Arg::None: return "";
    case hyper::Arg::Uint: return "uint";
    case hyper::Arg::Int: return "int";
    case hyper::Arg::Ptr: return "ptr";
    case hyper::Arg::Cmd: return "cmd";
    case hyper::Arg::Count: return "count";
    case hyper::Arg::Domid: return "domid";
    case hyper::Arg::Lo: return "lo";
    case hyper::Arg::Hi: return "hi";
  }
  return "?";
}

std::string owner_name(uint16_t owner) {
  if (owner == hyper::kOwnerNone) return "free";
  if (owner == hyper::kOwnerXen) return "xen";
  return "dom" + std::to_string(owner);
}

}  // namespace

CountersRecord counters_record(Cpu& cpu) {
  CountersRecord r;
  r.insns = cpu.s.insns;
  r.cycles = cpu.s.cycles;
  r.blocks = cpu.blocks().size();
  r.block_lookups = cpu.blocks().stats().lookups;
  r.block_misses = cpu.blocks().stats().misses;
  return r;
}

std::vector<TlbRecord> tlb_records(Cpu& cpu) {
  return {tlb_record("I-TLB", cpu.mmu().itlb()), tlb_record("D-TLB", cpu.mmu().dtlb())};
}

uint32_t hypervisor_area_start() { return hyper::kHypervisorStart; }

HypercallLogRecord hypercall_log_record(hyper::Hypervisor& hv, size_t n) {
  const hyper::HypercallLog& log = hv.hypercall_log();
  const auto& recent = log.recent();
  HypercallLogRecord out;
  out.total = log.total();
  out.refused = log.failed();
  const size_t start = recent.size() > n ? recent.size() - n : 0;
  const uint64_t first_seq = log.total() - recent.size();
  for (size_t k = start; k < recent.size(); ++k) {
    const hyper::HypercallRecord& r = recent[k];
    HypercallRecordView v;
    v.seq = first_seq + k;
    v.cycle = r.cycle;
    v.vcpu = r.vcpu;
    v.nr = r.nr;
    const hyper::HypercallDef* d = hv.hypercalls().find(r.nr);
    v.name = d ? d->name : fmt("hypercall_%u", r.nr);
    for (unsigned i = 0; i < 5; ++i) {
      const hyper::Arg kind = d ? d->args[i] : hyper::Arg::Uint;
      if (kind == hyper::Arg::None) continue;
      HypercallArgRecord a;
      a.kind = arg_kind_name(kind);
      a.value = r.arg[i];
      a.text = kind == hyper::Arg::Int ? fmt("%d", int32_t(r.arg[i]))
               : (kind == hyper::Arg::Count || kind == hyper::Arg::Cmd || kind == hyper::Arg::Domid)
                   ? fmt("%u", r.arg[i])
                   : fmt("%#x", r.arg[i]);
      v.args.push_back(std::move(a));
    }
    v.result = r.result;
    v.reason = r.reason;
    v.line = hyper::format_hypercall(hv.hypercalls(), r);
    out.calls.push_back(std::move(v));
  }
  return out;
}

EvtchnRecord evtchn_record(hyper::Hypervisor& hv) {
  hyper::Domain& d = hv.domain();
  EvtchnRecord out;
  out.domain = d.id;
  out.shared_info_mfn = d.shared_info_mfn;
  const paddr_t si = paddr_t(d.shared_info_mfn) << kPageShift;
  auto bit = [&](size_t field, uint32_t port) {
    return (peek32(hv, si + field + 4 * (port / 32)) >> (port % 32)) & 1;
  };
  static const char* kState[] = {"closed", "unbound", "interdomain", "pirq", "virq", "ipi"};
  const auto& ports = d.evtchn.ports;
  for (uint32_t p = 0; p < ports.size(); ++p) {
    const hyper::EventChannel& c = ports[p];
    if (c.state == hyper::PortState::Free) continue;
    EvtchnPortRecord r;
    r.port = p;
    const unsigned st = unsigned(c.state);
    r.state = st < 6 ? kState[st] : "reserved";
    r.vcpu = c.notify_vcpu;
    if (c.state == hyper::PortState::Virq) r.bound = fmt("virq %u", c.virq);
    if (c.state == hyper::PortState::Interdomain)
      r.bound = c.host ? std::string("host back end") : fmt("dom %u port %u", c.remote_dom, c.remote_port);
    if (c.state == hyper::PortState::Unbound) r.bound = fmt("offered to dom %u", c.remote_dom);
    if (d.shared_info_mfn) {
      r.pending = bit(offsetof(shared_info_x86_32_t, evtchn_pending), p);
      r.masked = bit(offsetof(shared_info_x86_32_t, evtchn_mask), p);
    }
    out.ports.push_back(std::move(r));
  }
  for (auto& vp : d.vcpus) {
    EvtchnVcpuRecord r;
    r.vcpu = vp->id;
    r.has_info = vp->vcpu_info_maddr != 0;
    if (r.has_info) {
      uint8_t pending = 0, mask = 0;
      hv.bus().peek(vp->vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending), pending);
      hv.bus().peek(vp->vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask), mask);
      r.upcall_pending = pending;
      r.upcall_mask = mask;
    }
    out.vcpus.push_back(r);
  }
  return out;
}

std::vector<FrameRecord> frame_records(hyper::Hypervisor& hv) {
  const hyper::FrameTable& ft = hv.frames();
  std::vector<FrameRecord> out(ft.size());
  for (uint32_t mfn = 0; mfn < ft.size(); ++mfn) {
    const hyper::FrameInfo& f = ft[mfn];
    FrameRecord& r = out[mfn];
    r.mfn = mfn;
    r.pfn = hv.m2p(mfn);
    r.owner = f.owner;
    r.owner_name = owner_name(f.owner);
    r.type = hyper::page_type_name(f.type);
    r.type_count = f.type_count;
    r.count = f.count;
    r.validated = f.validated;
    r.pinned = f.pinned;
    r.pae_xen_l2 = f.pae_xen_l2;
    r.shared_xen = f.shared_xen;
  }
  return out;
}

PvTrapsRecord pv_traps_record(hyper::Hypervisor& hv, unsigned vcpu) {
  PvTrapsRecord out;
  hyper::Domain& d = hv.domain();
  if (vcpu >= d.vcpus.size()) return out;
  const hyper::Vcpu& v = *d.vcpus[vcpu];
  for (unsigned k = 0; k < v.traps.size(); ++k) {
    const hyper::VirtualTrap& t = v.traps[k];
    if (t.set) out.traps.push_back({k, t.dpl, t.mask_events, t.cs, t.eip});
  }
  auto cb = [&](const char* name, const hyper::Callback& c, bool masks) {
    out.callbacks.emplace_back(name, c.set() ? fmt("%04x:%08x%s", c.cs, c.eip, masks ? " (masks events)" : "")
                                             : std::string("not set"));
  };
  cb("event", v.event_callback, false);
  cb("failsafe", v.failsafe_callback, v.failsafe_masks_events);
  cb("nmi", v.nmi_callback, false);
  cb("sysenter", v.sysenter_callback, v.sysenter_masks_events);
  out.callbacks.emplace_back("kernel stack", fmt("%04x:%08x", v.kernel_ss, v.kernel_sp));
  return out;
}

}  // namespace pvlab
