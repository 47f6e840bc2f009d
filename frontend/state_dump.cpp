// The state dump: registers, segment caches, control registers, the last instructions
// executed and the code at EIP. The last instructions come from the CPU's trace ring (the
// blocks entered, by instruction count; cpu/trace_ring.h): each block is decoded again from
// guest memory with Capstone, up to the number of instructions it retired, and where a block
// was left early the instruction at which it was left is shown too.
#include "frontend/state_dump.h"

#include <capstone/capstone.h>

#include <cstdio>

namespace pvlab {

namespace {

constexpr unsigned kMaxInsnBytes = 15;
constexpr uint64_t kMaxBlockWalk = 64;   // no block holds more instructions than this

std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

std::string hex_bytes(const uint8_t* b, size_t n) {
  std::string s;
  for (size_t k = 0; k < n; ++k) s += fmt("%02x", b[k]);
  return s;
}

// Capstone for 16- and 32-bit code, one instruction at a time.
class Disasm {
 public:
  explicit Disasm(bool att = false) {
    ok_ = cs_open(CS_ARCH_X86, CS_MODE_16, &h_[0]) == CS_ERR_OK &&
          cs_open(CS_ARCH_X86, CS_MODE_32, &h_[1]) == CS_ERR_OK;
    if (!ok_) return;
    for (csh h : h_) {
      cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
      if (att) cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
    }
  }
  ~Disasm() {
    for (csh& h : h_)
      if (h) cs_close(&h);
  }
  Disasm(const Disasm&) = delete;
  Disasm& operator=(const Disasm&) = delete;

  struct Insn {
    unsigned size = 0;      // 0: not decodable
    std::string text;
    bool branch = false;    // a jump, call, return or interrupt: the block ends after it
  };
  Insn decode(bool code32, const uint8_t* buf, size_t n, uint64_t addr) const {
    Insn out;
    if (!ok_) {
      out.text = "(capstone unavailable)";
      return out;
    }
    csh h = h_[code32 ? 1 : 0];
    cs_insn* ci = nullptr;
    if (n == 0 || cs_disasm(h, buf, n, addr, 1, &ci) != 1) {
      out.text = n ? "(not a valid instruction)" : "(not in guest RAM)";
      return out;
    }
    out.size = ci->size;
    out.text = std::string(ci->mnemonic) + (ci->op_str[0] ? " " : "") + ci->op_str;
    for (int g : {CS_GRP_JUMP, CS_GRP_CALL, CS_GRP_RET, CS_GRP_INT, CS_GRP_IRET})
      if (cs_insn_group(h, ci, unsigned(g))) out.branch = true;
    cs_free(ci, 1);
    return out;
  }

 private:
  csh h_[2] = {0, 0};
  bool ok_ = false;
};

// The cached block starting at `phys`, preferring the current code size (a block cache key's
// mode bit 0 is set for 32-bit code). Null when it is no longer cached.
const Block* cached_block(Cpu& cpu, paddr_t phys) {
  const Block* other = nullptr;
  for (uint32_t m = 0; m < 8; ++m) {
    const Block* b = cpu.blocks().find(phys, m);
    if (!b) continue;
    if (bool(m & 1) == cpu.code32()) return b;
    other = b;
  }
  return other;
}

// Up to `n` bytes of guest physical memory at `pa`. Past the end of the page the bytes come
// from the block's second frame when it has one.
size_t read_phys(Cpu& cpu, paddr_t pa, const Block* b, uint8_t* buf, size_t n) {
  size_t got = 0;
  for (; got < n; ++got) {
    paddr_t a = pa + got;
    if (b && b->frame2 != ~paddr_t(0) && (a >> kPageShift) != (b->phys >> kPageShift))
      a = b->frame2 + (a & kPageMask);
    if (!cpu.bus().peek(a, buf[got])) break;
  }
  return got;
}

// Decode the instruction at `pa` inside the block that starts at `start`.
TraceLine line_at(Cpu& cpu, const Disasm& dis, paddr_t start, paddr_t pa, const Block* b,
                  bool code32, Disasm::Insn& insn) {
  TraceLine l;
  l.phys = pa;
  if (b) {
    l.lin = b->lin + uint32_t(pa - start);
    l.lin_known = true;
  }
  uint8_t buf[kMaxInsnBytes];
  size_t n = read_phys(cpu, pa, b, buf, sizeof buf);
  insn = dis.decode(code32, buf, n, l.lin_known ? l.lin : pa);
  l.bytes = hex_bytes(buf, insn.size ? insn.size : std::min<size_t>(n, 2));
  l.text = insn.text;
  return l;
}

// The blocks' lines, newest block first, as one list oldest first. A string instruction's
// repeated iterations each enter its block again: consecutive lines at one address fold.
std::vector<TraceLine> fold(const std::vector<std::vector<TraceLine>>& blocks) {
  std::vector<TraceLine> out;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    for (const TraceLine& l : *it) {
      if (!out.empty() && out.back().phys == l.phys && out.back().note == TraceLine::Note::None) {
        out.back().repeat += l.repeat;
        out.back().note = l.note;
        continue;
      }
      out.push_back(l);
    }
  }
  return out;
}

}  // namespace

std::vector<TraceLine> last_instructions(Cpu& cpu, unsigned count) {
  const Disasm dis;
  const TraceRing& ring = cpu.trace();
  paddr_t eip_phys = ~paddr_t(0);
  if (!cpu.debug_translate(cpu.s.seg[CS].base + cpu.s.eip, eip_phys)) eip_phys = ~paddr_t(0);

  // Newest block first: each block's lines. Entry counts are walked down from now; `end`
  // is the count at which the block found next (newer) was entered, `went_to` its address.
  std::vector<std::vector<TraceLine>> blocks;
  size_t total = 0;   // lines once folded
  const uint64_t now = cpu.s.insns;
  uint64_t end = now;
  paddr_t went_to = eip_phys;
  for (uint64_t back = 0; back < TraceRing::kSize && back <= now && total < count; ++back) {
    const uint64_t at = now - back;
    const paddr_t phys = ring.entered_at(at);
    if (phys == TraceRing::kNone) continue;
    const uint64_t retired = std::min(end - at, kMaxBlockWalk);
    const Block* b = cached_block(cpu, phys);
    const bool code32 = b ? (b->mode & 1) : cpu.code32();
    std::vector<TraceLine> lines;
    paddr_t pa = phys, last = ~paddr_t(0);
    bool last_branch = false, readable = true;
    for (uint64_t i = 0; i < retired && readable; ++i) {
      Disasm::Insn insn;
      lines.push_back(line_at(cpu, dis, phys, pa, b, code32, insn));
      readable = insn.size != 0;
      last = pa;
      pa += insn.size;
      last_branch = insn.branch;
    }
    if (readable) {
      // Where the block was left: at EIP now (the newest block), or before its end with
      // control going elsewhere than the next instruction or a repeat of the last one.
      const bool ran_out = b ? retired >= b->insns.size() : last_branch;
      TraceLine::Note note = TraceLine::Note::None;
      if (blocks.empty() && last == eip_phys && retired) {
        // Retired yet still at EIP: a string instruction to be repeated, or an INT whose
        // delivery stopped the machine.
        lines.back().note = TraceLine::Note::AtEip;
      } else if (blocks.empty() && pa == eip_phys) note = TraceLine::Note::AtEip;
      else if (!ran_out && went_to != pa && went_to != last) note = TraceLine::Note::NotRetired;
      if (note != TraceLine::Note::None) {
        Disasm::Insn insn;
        lines.push_back(line_at(cpu, dis, phys, pa, b, code32, insn));
        lines.back().note = note;
      }
    }
    blocks.push_back(std::move(lines));
    total = fold(blocks).size();
    end = at;
    went_to = phys;
  }

  std::vector<TraceLine> out = fold(blocks);
  if (out.size() > count) out.erase(out.begin(), out.end() - count);
  return out;
}

std::string disassemble(Cpu& cpu, uint32_t lin, unsigned count, bool att) {
  const Disasm dis(att);
  const bool code32 = cpu.code32();
  std::string out;
  uint32_t at = lin;
  for (unsigned k = 0; k < count; ++k) {
    uint8_t buf[kMaxInsnBytes];
    size_t n = 0;
    while (n < sizeof buf && cpu.debug_read(at + uint32_t(n), buf + n, 1)) ++n;
    Disasm::Insn insn = dis.decode(code32, buf, n, at);
    if (!insn.size) {
      if (k == 0) out += fmt("  %08x  %s\n", at, n ? "(no decodable instruction)" : "(not readable)");
      break;
    }
    out += fmt("  %08x  %-20s %s\n", at, hex_bytes(buf, insn.size).c_str(), insn.text.c_str());
    at += insn.size;
  }
  return out;
}

std::string disassemble_one(Cpu& cpu, uint32_t lin, unsigned& size) {
  uint8_t buf[kMaxInsnBytes];
  size_t n = 0;
  while (n < sizeof buf && cpu.debug_read(lin + uint32_t(n), buf + n, 1)) ++n;
  Disasm::Insn insn = Disasm().decode(cpu.code32(), buf, n, lin);
  size = insn.size;
  return insn.size ? insn.text : std::string();
}

std::string state_dump(Cpu& cpu) {
  const CpuState& s = cpu.s;
  static const char* kRegs[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  static const char* kSegs[] = {"es", "cs", "ss", "ds", "fs", "gs"};
  std::string o;
  uint32_t f = cpu.flags();
  o += fmt("eip=%08x eflags=%08x [%s%s%s%s%s%s%s%s%s] cpl=%u mode=%s\n", s.eip, f,
           f & fl::CF ? "CF " : "", f & fl::PF ? "PF " : "", f & fl::AF ? "AF " : "",
           f & fl::ZF ? "ZF " : "", f & fl::SF ? "SF " : "", f & fl::TF ? "TF " : "",
           f & fl::IF ? "IF " : "", f & fl::DF ? "DF " : "", f & fl::OF ? "OF" : "", s.cpl,
           s.mode == CpuMode::Real ? "real" : s.mode == CpuMode::V86 ? "v86" : "protected");
  for (int i = 0; i < 8; ++i) o += fmt("%s=%08x%s", kRegs[i], s.r[i], i == 3 || i == 7 ? "\n" : " ");
  for (int i = 0; i < kNumSeg; ++i) {
    const SegCache& c = s.seg[i];
    o += fmt("%s=%04x base=%08x limit=%08x attr=%03x\n", kSegs[i], c.sel, c.base, c.limit, c.attr);
  }
  o += fmt("ldtr=%04x base=%08x limit=%08x  tr=%04x base=%08x limit=%08x\n", s.ldtr.sel,
           s.ldtr.base, s.ldtr.limit, s.tr.sel, s.tr.base, s.tr.limit);
  o += fmt("gdtr=%08x/%04x idtr=%08x/%04x\n", s.gdtr.base, s.gdtr.limit, s.idtr.base, s.idtr.limit);
  o += fmt("cr0=%08x cr2=%08x cr3=%08x cr4=%08x efer=%08llx\n", s.cr0, s.cr2, s.cr3, s.cr4,
           (unsigned long long)s.msr.efer);
  o += fmt("dr6=%08x dr7=%08x cycles=%llu insns=%llu\n", s.dr[6], s.dr[7],
           (unsigned long long)s.cycles, (unsigned long long)s.insns);
  std::vector<TraceLine> last = last_instructions(cpu, 16);
  if (!last.empty()) {
    o += "last instructions (linear address, or p: physical when no longer cached):\n";
    for (const TraceLine& l : last) {
      std::string addr = l.lin_known ? fmt("%08x", l.lin) : fmt("p:%llx", (unsigned long long)l.phys);
      std::string note = l.repeat > 1 ? fmt("  (x%u)", l.repeat) : std::string();
      if (l.note == TraceLine::Note::AtEip) note += "  <- eip";
      if (l.note == TraceLine::Note::NotRetired) note += "  <- not retired (exception or interrupt)";
      o += fmt("  %-10s %-20s %s%s\n", addr.c_str(), l.bytes.c_str(), l.text.c_str(), note.c_str());
    }
  }
  o += "code at cs:eip:\n";
  o += disassemble(cpu, s.seg[CS].base + s.eip, 3);
  return o;
}

}  // namespace pvlab
