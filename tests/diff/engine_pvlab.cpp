// pvlab as a differential-test engine: a Cpu on its own Bus and RAM, in flat 32-bit ring 3
// with paging on. The page tables map the layout of protocol.h identity (data pages user
// read/write, the last one read-only, the code page user read-only) and leave everything else
// not present; the GDT, IDT and TSS sit in supervisor pages high up. Every exception and the
// INT3 / INTO traps are intercepted through the Platform; INT n to a DPL-0 gate is left to
// pvlab, which must turn it into #GP(n*8+2) as the host does.
#include <cstring>

#include "cpu/cpu.h"
#include "engines.h"

namespace pvdiff {

namespace {

using namespace pvlab;

constexpr uint32_t kRam = 1u << 20;
constexpr uint32_t kPd = 0x20000, kPt = 0x21000, kPtSys = 0x22000;
constexpr uint32_t kGdtPhys = 0x23000, kIdtPhys = 0x24000, kTssPhys = 0x25000,
                   kStackPhys = 0x26000;
constexpr uint32_t kSys = PD_SYS_BASE;  // linear base of the system pages
constexpr uint32_t kGdt = kSys, kIdt = kSys + 0x1000, kTss = kSys + 0x2000,
                   kStack0Top = kSys + 0x4000;
constexpr uint16_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x23, kData3 = 0x2b, kTssSel = 0x30;
constexpr uint64_t kMaxInsns = 1u << 20;

uint64_t make_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (limit & 0xffff) | (uint64_t(base & 0xffffff) << 16) | (uint64_t(access) << 40) |
         (uint64_t((limit >> 16) & 0xf) << 48) | (uint64_t(flags & 0xf) << 52) |
         (uint64_t(base >> 24) << 56);
}

class PvlabEngine final : public Engine, public Platform {
 public:
  PvlabEngine() {
    cpu_.set_platform(this);
    build_tables();
  }
  const char* name() const override { return "pvlab"; }

  void run(const TestCase& tc, Result& r) override {
    for (unsigned k = 0; k < PD_NUM_DATA; ++k)
      std::memcpy(ram_.ptr(pd_data_page(k)), tc.data[k], PD_PAGE);
    std::memcpy(ram_.ptr(PD_CODE_BASE), tc.code, PD_PAGE);
    enter_ring3(tc);
    result_ = &r;
    r = Result{};
    r.ran = true;
    caught_ = false;
    StopReason why = cpu_.run(kMaxInsns);
    if (!caught_) {
      // Stopped without an exception: report where, with the reason.
      capture_regs(r);
      r.eip = cpu_.s.eip;
      r.vector = kVecStopped;
      r.note = std::string("stopped: ") + stop_reason_name(why);
      if (why == StopReason::TripleFault) r.note += " (" + cpu_.triple_fault_reason() + ")";
    }
    if (!cpu_.last_unimplemented.empty()) {
      if (!r.note.empty()) r.note += "; ";
      r.note += "unimplemented " + cpu_.last_unimplemented;
      cpu_.last_unimplemented.clear();
    }
    for (unsigned k = 0; k < PD_NUM_DATA; ++k)
      std::memcpy(r.data[k], ram_.ptr(pd_data_page(k)), PD_PAGE);
    result_ = nullptr;
  }

  bool intercept(Cpu& c, const Event& e) override {
    if (e.kind == EventKind::HwInt) return false;
    if (e.kind == EventKind::SoftInt && e.vector != 3 && e.vector != 4) return false;
    if (!result_ || caught_) return false;
    Result& r = *result_;
    caught_ = true;
    capture_regs(r);
    r.eip = e.kind == EventKind::Fault ? c.s.eip : e.return_eip;
    r.vector = e.vector;
    r.err = e.has_error ? e.error : 0;
    if (e.vector == exc::PF) {
      r.cr2 = c.s.cr2;
      if (c.s.cr2 == PD_LANDING && c.s.eip == PD_LANDING) {  // ran to the end
        r.vector = kVecEnd;
        r.err = r.cr2 = 0;
        r.eip = end_;
      }
    }
    c.request_stop();
    return true;
  }

 private:
  void capture_regs(Result& r) {
    std::memcpy(r.regs, cpu_.s.r, sizeof r.regs);
    r.eflags = cpu_.flags();
  }

  void put32(uint32_t pa, uint32_t v) { std::memcpy(ram_.ptr(pa), &v, 4); }
  void put64(uint32_t pa, uint64_t v) { std::memcpy(ram_.ptr(pa), &v, 8); }

  void build_tables() {
    constexpr uint32_t P = 1, RW = 2, US = 4;
    std::memset(ram_.ptr(kPd), 0, 3 * PD_PAGE);
    put32(kPd + 0, kPt | P | RW | US);
    put32(kPd + 4 * (kSys >> 22), kPtSys | P | RW);
    for (unsigned k = 0; k < PD_NUM_DATA; ++k) {
      uint32_t a = pd_data_page(k);
      put32(kPt + 4 * (a >> 12), a | P | US | (k == PD_RO_PAGE ? 0 : RW));
    }
    put32(kPt + 4 * (PD_CODE_BASE >> 12), PD_CODE_BASE | P | US);
    const uint32_t sys_phys[] = {kGdtPhys, kIdtPhys, kTssPhys, kStackPhys};
    for (unsigned k = 0; k < 4; ++k)
      put32(kPtSys + 4 * (((kSys >> 12) & 0x3ff) + k), sys_phys[k] | P | RW);

    const uint64_t gdt[] = {
        0,
        make_desc(0, 0xfffff, 0x9b, 0xc),   // 0x08 ring-0 code
        make_desc(0, 0xfffff, 0x93, 0xc),   // 0x10 ring-0 data
        0,
        make_desc(0, 0xfffff, 0xfb, 0xc),   // 0x23 ring-3 code
        make_desc(0, 0xfffff, 0xf3, 0xc),   // 0x2b ring-3 data
        make_desc(kTss, 0x67, 0x8b, 0x0),   // 0x30 TSS (busy)
    };
    for (unsigned k = 0; k < sizeof gdt / 8; ++k) put64(kGdtPhys + 8 * k, gdt[k]);
    // Interrupt gates as a Linux host has them: DPL 3 for INT3, INTO and the system call.
    for (unsigned v = 0; v < 256; ++v) {
      const uint32_t handler = kSys + 0x3000;
      const unsigned dpl = (v == 3 || v == 4 || v == 0x80) ? 3 : 0;
      uint64_t g = (handler & 0xffff) | (uint64_t(kCode0) << 16) |
                   (uint64_t((handler & 0xffff0000u) | 0x8e00u | (dpl << 13)) << 32);
      put64(kIdtPhys + 8 * v, g);
    }
    put32(kTssPhys + 4, kStack0Top);
    put32(kTssPhys + 8, kData0);
    put32(kTssPhys + 100, 0x68u << 16);  // no I/O bitmap
  }

  void enter_ring3(const TestCase& tc) {
    Cpu& c = cpu_;
    c.reset();
    c.enter_flat_protected(PD_CODE_BASE);
    c.s.gdtr = {kGdt, 0x37};
    c.s.idtr = {kIdt, 0x7ff};
    Cpu::cache_from_descriptor(c.s.tr, kTssSel, make_desc(kTss, 0x67, 0x8b, 0));
    c.s.cr3 = kPd;
    c.sync_paging();
    c.write_cr0(c.s.cr0 | cr0::PG | cr0::WP | cr0::NE | cr0::AM | cr0::MP);
    const uint64_t code3 = make_desc(0, 0xfffff, 0xfb, 0xc), data3 = make_desc(0, 0xfffff, 0xf3, 0xc);
    for (unsigned sg = 0; sg < kNumSeg; ++sg) {
      SegCache& sc = c.s.seg[sg];
      if (sg == FS || sg == GS) {
        sc = SegCache{};
        continue;
      }
      Cpu::cache_from_descriptor(sc, sg == CS ? kCode3 : kData3, sg == CS ? code3 : data3);
    }
    c.set_cpl(3);
    c.update_mode();
    std::memcpy(c.s.r, tc.regs, sizeof c.s.r);
    c.s.eflags = tc.eflags | fl::kFixed1;
    c.s.lf.op = LazyOp::None;
    c.s.eip = PD_CODE_BASE;
    c.mmu().flush(true);
    c.flush_blocks();
    end_ = tc.end;
  }

  PhysMem ram_{kRam};
  Bus bus_{ram_};
  Cpu cpu_{bus_};
  Result* result_ = nullptr;
  bool caught_ = false;
  uint32_t end_ = 0;
};

}  // namespace

std::unique_ptr<Engine> make_pvlab_engine() { return std::make_unique<PvlabEngine>(); }

}  // namespace pvdiff
