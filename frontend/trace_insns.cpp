#include "frontend/trace_insns.h"

#include <algorithm>
#include <array>

namespace pvlab {

class InsnTracer::Tap final : public RetireHook, public MemObserver {
 public:
  Tap(InsnTracer& t, Cpu& c, unsigned vcpu) : t_(t), cpu_(c), vcpu_(vcpu) { capture(prev_); }
  Cpu& cpu() { return cpu_; }

  void access(uint32_t lin, unsigned size, uint32_t value, bool write) override {
    if (!t_.finished_) mem_.push_back({lin, uint8_t(size), write, value});
  }

  void retired(Cpu& cpu, const Insn& insn, uint32_t eip) override {
    State now;
    capture(now);
    const bool in_window = cpu.s.cycles >= t_.opt_.start_cycle &&
                           (t_.opt_.limit == 0 || t_.records_ < t_.opt_.limit) && !t_.finished_;
    if (in_window) {
      InsnRecord& r = rec_;   // reused: its vectors keep their capacity
      r.bytes.clear();
      r.regs.clear();
      r.cycle = cpu.s.cycles;
      r.count = cpu.s.insns;
      r.vcpu = uint8_t(vcpu_);
      r.eip = eip;
      // Where the instruction began: the state after the previous one, unless an event
      // moved execution elsewhere in between (then CS is the handler's, as it is now).
      const bool straight = prev_.next_eip == eip;
      r.code32 = straight ? prev_.code32 : now.code32;
      const uint32_t base = straight ? prev_.cs_base : now.cs_base;
      read_bytes(cpu, base + eip, std::min<unsigned>(insn.len, 15), r.bytes);
      for (uint8_t k = 0; k < treg::kCount; ++k)
        if (now.v[k] != prev_.v[k]) r.regs.push_back({k, now.v[k]});
      r.mem.swap(mem_);
      t_.record(r);
    }
    mem_.clear();
    prev_ = now;
  }

 private:
  // The instruction's bytes as far as they can be read back (one translation per page).
  static void read_bytes(Cpu& cpu, uint32_t lin, unsigned len, std::vector<uint8_t>& out) {
    paddr_t pa = 0;
    uint32_t page = ~0u;
    for (unsigned k = 0; k < len; ++k) {
      const uint32_t a = lin + k;
      if ((a & ~kPageMask) != page) {
        page = a & ~kPageMask;
        if (!cpu.debug_translate(page, pa)) return;
      }
      uint8_t b;
      if (!cpu.bus().peek(pa | (a & kPageMask), b)) return;
      out.push_back(b);
    }
  }
  struct State {
    std::array<uint32_t, treg::kCount> v{};
    uint32_t cs_base = 0, next_eip = 0;
    bool code32 = true;
  };
  void capture(State& st) const {
    const CpuState& s = cpu_.s;
    for (unsigned k = 0; k < 8; ++k) st.v[k] = s.r[k];
    st.v[treg::kEflags] = cpu_.flags();
    for (unsigned k = 0; k < kNumSeg; ++k) st.v[treg::kSeg + k] = s.seg[k].sel;
    st.v[treg::kCr0] = s.cr0;
    st.v[treg::kCr2] = s.cr2;
    st.v[treg::kCr3] = s.cr3;
    st.v[treg::kCr4] = s.cr4;
    st.cs_base = s.seg[CS].base;
    st.next_eip = s.eip;
    st.code32 = cpu_.code32();
  }

  InsnTracer& t_;
  Cpu& cpu_;
  unsigned vcpu_;
  State prev_;
  std::vector<InsnRecord::Mem> mem_;
  InsnRecord rec_;
};

std::unique_ptr<InsnTracer> InsnTracer::open(const InsnTraceOptions& o, std::string& error) {
  const std::optional<TraceFormat> f = trace_format_for(o.path, o.format);
  if (!f) {
    error = "--trace-format " + o.format + ": expected text or bin";
    return nullptr;
  }
  std::unique_ptr<TraceWriter> w = TraceWriter::open(o.path, *f, error);
  if (!w) return nullptr;
  return std::unique_ptr<InsnTracer>(new InsnTracer(o, std::move(w)));
}

InsnTracer::InsnTracer(const InsnTraceOptions& o, std::unique_ptr<TraceWriter> w)
    : opt_(o), writer_(std::move(w)) {}

InsnTracer::~InsnTracer() {
  for (auto& t : taps_) {
    t->cpu().remove_retire_hook(t.get());
    t->cpu().set_mem_observer(nullptr);
  }
}

void InsnTracer::attach(Cpu& cpu, unsigned vcpu) {
  taps_.push_back(std::make_unique<Tap>(*this, cpu, vcpu));
  cpu.add_retire_hook(taps_.back().get(), hook_rank::kObserve);
  cpu.set_mem_observer(taps_.back().get());
}

void InsnTracer::record(InsnRecord& r) {
  writer_->write(r);
  ++records_;
}

bool InsnTracer::finish(std::string& error) {
  if (finished_) return true;
  finished_ = true;
  for (auto& t : taps_) {
    t->cpu().remove_retire_hook(t.get());
    t->cpu().set_mem_observer(nullptr);
  }
  taps_.clear();
  return writer_->finish(error);
}

}  // namespace pvlab
