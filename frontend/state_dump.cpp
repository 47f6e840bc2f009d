#include "frontend/state_dump.h"

#include <capstone/capstone.h>

#include <cstdio>

namespace pvlab {

namespace {
std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}
}  // namespace

std::string disassemble(Cpu& cpu, uint32_t lin, unsigned count, bool att) {
  std::string out;
  csh h;
  cs_mode mode = cpu.code32() ? CS_MODE_32 : CS_MODE_16;
  if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK) return "  (capstone unavailable)\n";
  if (att) cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  uint8_t buf[16 * 16];
  size_t n = 0;
  while (n < sizeof buf && cpu.debug_read(lin + uint32_t(n), buf + n, 1)) ++n;
  cs_insn* insn = nullptr;
  size_t got = cs_disasm(h, buf, n, lin, count, &insn);
  for (size_t k = 0; k < got; ++k) {
    std::string bytes;
    for (unsigned b = 0; b < insn[k].size; ++b) bytes += fmt("%02x", insn[k].bytes[b]);
    out += fmt("  %08x  %-20s %s %s\n", uint32_t(insn[k].address), bytes.c_str(), insn[k].mnemonic,
               insn[k].op_str);
  }
  if (got == 0) out += fmt("  %08x  (no readable or decodable bytes)\n", lin);
  cs_free(insn, got);
  cs_close(&h);
  return out;
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
  o += "code at cs:eip:\n";
  o += disassemble(cpu, s.seg[CS].base + s.eip, 4);
  return o;
}

}  // namespace pvlab
