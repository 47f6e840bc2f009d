// Random P6 user-mode integer instruction sequences for the differential tester (see gen.h).
#include "gen.h"

#include <cstring>
#include <map>

namespace pvdiff {

namespace {

constexpr uint32_t kEnd = 0x7fff;  // SeqInsn::target for "the end of the sequence"

bool is_shift(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
    case ZYDIS_MNEMONIC_RCL: case ZYDIS_MNEMONIC_RCR: case ZYDIS_MNEMONIC_SHLD:
    case ZYDIS_MNEMONIC_SHRD:
      return true;
    default:
      return false;
  }
}

bool isa_allowed(ZydisISASet s) {
  switch (s) {
    case ZYDIS_ISA_SET_I86: case ZYDIS_ISA_SET_I186: case ZYDIS_ISA_SET_I286PROTECTED:
    case ZYDIS_ISA_SET_I386: case ZYDIS_ISA_SET_I486: case ZYDIS_ISA_SET_I486REAL:
    case ZYDIS_ISA_SET_PENTIUMREAL: case ZYDIS_ISA_SET_PPRO: case ZYDIS_ISA_SET_CMOV:
    case ZYDIS_ISA_SET_LAHF: case ZYDIS_ISA_SET_PAUSE:
      return true;
    default:
      return false;
  }
}

// Instructions the tester leaves out although their ISA set is allowed: privileged or
// IOPL-sensitive ones, those whose result depends on the machine rather than the CPU
// (descriptor tables, CPUID, time stamps), segment loads, and returns (their target is data).
bool mnemonic_denied(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_CPUID: case ZYDIS_MNEMONIC_RDTSC: case ZYDIS_MNEMONIC_RDPMC:
    case ZYDIS_MNEMONIC_CLI: case ZYDIS_MNEMONIC_STI: case ZYDIS_MNEMONIC_HLT:
    case ZYDIS_MNEMONIC_SYSENTER: case ZYDIS_MNEMONIC_SYSEXIT: case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_RET: case ZYDIS_MNEMONIC_IRET:
    case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_LAR: case ZYDIS_MNEMONIC_LSL:
    case ZYDIS_MNEMONIC_VERR: case ZYDIS_MNEMONIC_VERW: case ZYDIS_MNEMONIC_SLDT:
    case ZYDIS_MNEMONIC_STR: case ZYDIS_MNEMONIC_SGDT: case ZYDIS_MNEMONIC_SIDT:
    case ZYDIS_MNEMONIC_SMSW: case ZYDIS_MNEMONIC_LDS: case ZYDIS_MNEMONIC_LES:
    case ZYDIS_MNEMONIC_LFS: case ZYDIS_MNEMONIC_LGS: case ZYDIS_MNEMONIC_LSS:
    case ZYDIS_MNEMONIC_RSM: case ZYDIS_MNEMONIC_INVD: case ZYDIS_MNEMONIC_WBINVD:
    case ZYDIS_MNEMONIC_INVLPG:
      return true;
    default:
      return false;
  }
}

bool is_relative_branch(const ZydisDecodedInstruction& zi) {
  switch (zi.meta.category) {
    case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_CALL:
      return true;
    default:
      return false;
  }
}

uint8_t gpr_id(ZydisRegister r) {
  if (r == ZYDIS_REGISTER_NONE) return 0xff;
  switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR16: case ZYDIS_REGCLASS_GPR32:
      return uint8_t(ZydisRegisterGetId(r));
    default:
      return 0xff;
  }
}

void put_le(uint8_t* p, uint32_t v, unsigned bytes) {
  for (unsigned k = 0; k < bytes; ++k) p[k] = uint8_t(v >> (8 * k));
}

enum class Role : uint8_t { None, Addr, Small, Count };

}  // namespace

uint32_t random_data_address(Rng& r) {
  static const uint32_t kEdges[] = {0x1000, 0x2000, 0x5000, 0x6000, 0x9000, 0xa000};
  unsigned pick = r.below(20);
  if (pick < 3) return kEdges[r.below(6)] + r.below(16) - 8;
  uint32_t page = pd_data_page(r.below(PD_NUM_DATA));
  if (pick < 6) return page + 4 * r.below(PD_PAGE / 4);
  return page + r.below(PD_PAGE);
}

int TestCase::index_at(uint32_t eip) const {
  if (eip == end) return int(insns.size());
  for (size_t k = 0; k < insns.size(); ++k)
    if (PD_CODE_BASE + insns[k].offset == eip) return int(k);
  return -1;
}

uint32_t TestCase::undef_at(uint32_t eip) const {
  int k = index_at(eip);
  if (k < 0) return kArithFlags;
  return size_t(k) == insns.size() ? undef_end : insns[size_t(k)].undef_before;
}

uint32_t TestCase::qctx_at(uint32_t eip) const {
  int k = index_at(eip);
  if (k < 0) return 0;
  return size_t(k) == insns.size() ? qctx_end : insns[size_t(k)].qctx_before;
}

Generator::Generator(const GenOptions& o) : opt_(o) {
  ZydisDecoderInit(&dec_, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
  // Decode as a P6 does (as pvlab's decoder does): F3 0F BC is BSF, F2 before a branch is a
  // plain prefix, the hint-space NOPs are NOPs.
  for (ZydisDecoderMode m : {ZYDIS_DECODER_MODE_LZCNT, ZYDIS_DECODER_MODE_TZCNT,
                             ZYDIS_DECODER_MODE_MPX, ZYDIS_DECODER_MODE_CET,
                             ZYDIS_DECODER_MODE_WBNOINVD, ZYDIS_DECODER_MODE_CLDEMOTE})
    ZydisDecoderEnableMode(&dec_, m, ZYAN_FALSE);
  ZydisFormatterInit(&fmt_, ZYDIS_FORMATTER_STYLE_INTEL);
}

bool Generator::decode(const uint8_t* b, unsigned n, ZydisDecodedInstruction& zi,
                       ZydisDecodedOperand* ops) const {
  return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec_, b, n, &zi, ops));
}

std::string Generator::mnemonic_name(uint16_t m) {
  const char* s = ZydisMnemonicGetString(ZydisMnemonic(m));
  return s ? s : "?";
}

std::string Generator::disasm(const SeqInsn& i) const {
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!decode(i.bytes, i.len, zi, ops)) return "(bad)";
  char buf[160];
  if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&fmt_, &zi, ops, zi.operand_count_visible, buf,
                                                    sizeof buf, PD_CODE_BASE + i.offset, nullptr)))
    return "(bad)";
  return buf;
}

// Random bytes shaped like an instruction: a few prefixes, a one-byte or 0F opcode, then
// random ModRM, SIB, displacement and immediate bytes; Zydis decides what it is.
bool Generator::random_candidate(Rng& r, Candidate& c) {
  uint8_t b[32];
  unsigned n = 0;
  static const uint8_t kPrefixes[] = {0x66, 0x66, 0x66, 0x67, 0x67, 0xf3, 0xf3, 0xf2,
                                      0xf0, 0xf0, 0x26, 0x2e, 0x36, 0x3e};
  while (n < 3 && r.chance(1, 5)) b[n++] = kPrefixes[r.below(sizeof kPrefixes)];
  if (r.chance(3, 10)) {
    b[n++] = 0x0f;
    unsigned pick = r.below(20);
    b[n++] = pick < 7 ? uint8_t(0x40 + r.below(16)) : pick < 18 ? uint8_t(0x80 + r.below(0x50))
                                                                  : r.byte();
  } else {
    uint8_t op;
    do op = r.byte(); while (op == 0x0f);
    b[n++] = op;
  }
  while (n < sizeof b) b[n++] = r.byte();
  if (!decode(b, ZYDIS_MAX_INSTRUCTION_LENGTH, c.zi, c.ops)) return false;
  c.si = SeqInsn{};
  std::memcpy(c.si.bytes, b, c.zi.length);
  c.si.len = c.zi.length;
  c.si.mnemonic = uint16_t(c.zi.mnemonic);
  c.si.osize = c.zi.operand_width;
  c.host_unsafe = false;
  c.unsafe_why = "";
  c.unicorn_unreliable = false;
  return accept(c);
}

bool Generator::accept(Candidate& c) const {
  const ZydisDecodedInstruction& zi = c.zi;
  if (!isa_allowed(zi.meta.isa_set) || mnemonic_denied(zi.mnemonic)) return false;
  if (zi.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED) return false;
  switch (zi.meta.category) {
    case ZYDIS_CATEGORY_IO: case ZYDIS_CATEGORY_IOSTRINGOP: case ZYDIS_CATEGORY_SEGOP:
    case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSRET: case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_X87_ALU: case ZYDIS_CATEGORY_WIDENOP:
      if (!(zi.meta.category == ZYDIS_CATEGORY_WIDENOP && zi.meta.isa_set == ZYDIS_ISA_SET_PPRO))
        return false;
      break;
    case ZYDIS_CATEGORY_SYSTEM:
      if (zi.mnemonic != ZYDIS_MNEMONIC_ARPL) return false;
      break;
    default:
      break;
  }
  // FS and GS have different bases in each engine's process.
  for (unsigned k = 0; k < zi.raw.prefix_count; ++k)
    if (zi.raw.prefixes[k].value == 0x64 || zi.raw.prefixes[k].value == 0x65) return false;
  for (unsigned k = 0; k < zi.operand_count; ++k) {
    const ZydisDecodedOperand& o = c.ops[k];
    if (o.type == ZYDIS_OPERAND_TYPE_POINTER) return false;
    if (o.type == ZYDIS_OPERAND_TYPE_REGISTER) {
      switch (ZydisRegisterGetClass(o.reg.value)) {
        case ZYDIS_REGCLASS_GPR8: case ZYDIS_REGCLASS_GPR16: case ZYDIS_REGCLASS_GPR32:
        case ZYDIS_REGCLASS_FLAGS: case ZYDIS_REGCLASS_IP:
          break;
        default:
          return false;  // segment, control, debug, x87, MMX, SSE registers
      }
    }
  }
  if (is_relative_branch(zi)) {
    // Only relative targets inside the sequence; a 16-bit operand size would truncate EIP.
    if (c.ops[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !c.ops[0].imm.is_relative) return false;
    if (zi.operand_width != 32) return false;
    c.si.rel_offset = zi.raw.imm[0].offset;
    c.si.rel_size = zi.raw.imm[0].size / 8;
  }
  if (zi.meta.category == ZYDIS_CATEGORY_INTERRUPT) {
    switch (zi.mnemonic) {
      case ZYDIS_MNEMONIC_INT:
        if (c.ops[0].imm.value.u == 0x80) return false;  // the host's system call gate
        c.si.soft_int = true;
        c.si.soft_vector = uint8_t(c.ops[0].imm.value.u);
        break;
      case ZYDIS_MNEMONIC_INT3: c.si.soft_int = true; c.si.soft_vector = 3; break;
      case ZYDIS_MNEMONIC_INTO: c.si.soft_int = true; c.si.soft_vector = 4; break;
      // INT1 (ICEBP) is left out: Unicorn has it as #UD, and a host under a hypervisor may
      // report its #DB at the instruction rather than after it.
      case ZYDIS_MNEMONIC_INT1: return false;
      default: break;  // BOUND
    }
  }
  for (unsigned k = 0; k < zi.operand_count_visible; ++k) {
    const ZydisDecodedOperand& o = c.ops[k];
    if (o.type != ZYDIS_OPERAND_TYPE_MEMORY || o.mem.type != ZYDIS_MEMOP_TYPE_MEM) continue;
    // ARPL writes only when it changes the RPL; its read is a plain read.
    if ((o.actions & ZYDIS_OPERAND_ACTION_MASK_READ) && (o.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
        zi.mnemonic != ZYDIS_MNEMONIC_ARPL)
      c.si.mem_rmw = true;
    // Unicorn does not check that CS is read-only.
    if ((o.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) && o.mem.segment == ZYDIS_REGISTER_CS)
      c.unicorn_unreliable = true;
  }
  // Unicorn always writes ARPL's destination, reports a faulting PUSHA at another address,
  // and builds an ENTER frame without first checking its final stack top.
  switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_ARPL: case ZYDIS_MNEMONIC_PUSHA: case ZYDIS_MNEMONIC_PUSHAD:
    case ZYDIS_MNEMONIC_ENTER:
      c.unicorn_unreliable = true;
      break;
    default:
      break;
  }
  // Given both F2 and F3, the processor repeats by the last one and Unicorn by another.
  {
    bool f2 = false, f3 = false;
    for (unsigned k = 0; k < zi.raw.prefix_count; ++k) {
      f2 |= zi.raw.prefixes[k].value == 0xf2;
      f3 |= zi.raw.prefixes[k].value == 0xf3;
    }
    if (f2 && f3) c.unicorn_unreliable = true;
  }
  // Unicorn's LOCK NEG sets SF wrongly and can clobber EAX.
  if (zi.mnemonic == ZYDIS_MNEMONIC_NEG && (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK))
    c.unicorn_unreliable = true;
  // Unicorn has no F6 /1 and F7 /1 (TEST aliases).
  if (zi.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (zi.opcode == 0xf6 || zi.opcode == 0xf7) &&
      ((zi.raw.modrm.reg) == 1))
    c.unicorn_unreliable = true;
  // Encodings whose host meaning or result differs from a P6's.
  if (zi.mnemonic == ZYDIS_MNEMONIC_BSWAP && zi.operand_width == 16) {
    c.host_unsafe = true;
    c.unsafe_why = "16-bit BSWAP is undefined";
  }
  for (unsigned k = 0; k < zi.raw.prefix_count; ++k)
    if ((zi.raw.prefixes[k].value == 0xf3 || zi.raw.prefixes[k].value == 0xf2) &&
        zi.opcode_map == ZYDIS_OPCODE_MAP_0F && (zi.opcode == 0xbc || zi.opcode == 0xbd)) {
      // TZCNT/LZCNT on the host, and in Unicorn too: no reference has the P6 meaning.
      c.host_unsafe = true;
      c.unicorn_unreliable = true;
      c.unsafe_why = "F3 0F BC/BD is TZCNT/LZCNT on the host";
    }
  switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE: case ZYDIS_MNEMONIC_LOOPNE:
    case ZYDIS_MNEMONIC_JCXZ: case ZYDIS_MNEMONIC_JECXZ:
      for (unsigned k = 0; k < zi.raw.prefix_count; ++k)
        if (zi.raw.prefixes[k].value == 0xf3 || zi.raw.prefixes[k].value == 0xf2) {
          // The host (AMD) does not branch on F3 E0 where a P6 ignores the prefix.
          c.host_unsafe = true;
          c.unsafe_why = "REP prefix on LOOPcc/JECXZ is reserved";
        }
      break;
    default:
      break;
  }
  if ((zi.mnemonic == ZYDIS_MNEMONIC_SHLD || zi.mnemonic == ZYDIS_MNEMONIC_SHRD) &&
      zi.operand_width == 16) {
    const ZydisDecodedOperand& cnt = c.ops[2];
    if (cnt.type != ZYDIS_OPERAND_TYPE_IMMEDIATE || (cnt.imm.value.u & 31) > 16) {
      c.host_unsafe = true;
      c.unsafe_why = "16-bit SHLD/SHRD by more than 16 is undefined";
    }
  }
  return true;
}

// Point the explicit memory operand at the data pages: an absolute address becomes a data
// address, a 32-bit or 16-bit displacement next to registers becomes a small one (the
// registers are seeded with data addresses). One in ten is left as the bytes came.
void Generator::steer_memory(Rng& r, Candidate& c) const {
  const ZydisDecodedInstruction& zi = c.zi;
  if (!zi.raw.disp.size || r.chance(1, 10)) return;
  const ZydisDecodedOperand* mem = nullptr;
  for (unsigned k = 0; k < zi.operand_count_visible; ++k)
    if (c.ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY) mem = &c.ops[k];
  if (!mem) return;
  unsigned bytes = zi.raw.disp.size / 8;
  uint32_t v;
  if (mem->mem.base == ZYDIS_REGISTER_NONE && mem->mem.index == ZYDIS_REGISTER_NONE)
    v = random_data_address(r);
  else if (bytes >= 2)
    v = uint32_t(int32_t(r.below(128)) - 64);
  else
    return;
  put_le(c.si.bytes + zi.raw.disp.offset, v, bytes);
}

TestCase Generator::make(uint64_t seed, uint64_t index) {
  Rng r = Rng::for_case(seed, index);
  TestCase tc;
  tc.index = index;
  const bool unsafe_ok = r.below(100) < opt_.unsafe_percent;
  const unsigned n = opt_.seq_len ? opt_.seq_len : 1;

  std::vector<Candidate> cs;
  cs.reserve(n + 4);
  // Flags that may be undefined (for the host), and flags whose value Unicorn derives from
  // its translation context rather than the architectural state (for Unicorn: after
  // BT/BTS/BTR/BTC it keeps or recomputes AF and OF depending on the instruction before).
  struct FlagState {
    uint32_t undef = 0, qctx = 0;
    void merge(const FlagState& o) {
      undef |= o.undef;
      qctx |= o.qctx;
    }
  };
  std::map<uint32_t, FlagState> pending;  // target index -> flag state on arrival
  FlagState fs;

  auto push = [&](Candidate& c) {
    const size_t i = cs.size();
    auto it = pending.find(uint32_t(i));
    if (it != pending.end()) fs.merge(it->second);
    c.si.undef_before = fs.undef;
    c.si.qctx_before = fs.qctx;
    const ZydisAccessedFlags* f = c.zi.cpu_flags;
    uint32_t written = 0, undefined = 0, touched = 0;
    if (f) {
      undefined = f->undefined & kArithFlags;
      touched = (f->modified | f->set_0 | f->set_1 | f->undefined) & kArithFlags;
      written = touched & ~undefined;
    }
    if (is_shift(c.zi.mnemonic)) {
      // A count of zero leaves every flag alone, so a shift defines nothing for sure; OF is
      // undefined for counts other than 1, CF for SHL/SHR counts at least the operand size.
      written = touched = 0;
      undefined |= 0x800;
      if (c.zi.operand_width < 32 &&
          (c.zi.mnemonic == ZYDIS_MNEMONIC_SHL || c.zi.mnemonic == ZYDIS_MNEMONIC_SHR))
        undefined |= 0x001;
    }
    if (c.zi.meta.category == ZYDIS_CATEGORY_STRINGOP &&
        (c.zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)))
      written = touched = 0;  // with ECX = 0, REP CMPS/SCAS leave the flags alone
    fs.undef = (fs.undef & ~written) | undefined;
    switch (c.zi.mnemonic) {
      case ZYDIS_MNEMONIC_BT: case ZYDIS_MNEMONIC_BTS: case ZYDIS_MNEMONIC_BTR:
      case ZYDIS_MNEMONIC_BTC:
        touched = 0x001;
        fs.qctx |= 0x810;
        break;
      case ZYDIS_MNEMONIC_DIV: case ZYDIS_MNEMONIC_IDIV:
        touched = 0;  // Unicorn leaves the flags as they were
        break;
      case ZYDIS_MNEMONIC_AAA: case ZYDIS_MNEMONIC_AAS: case ZYDIS_MNEMONIC_DAA:
      case ZYDIS_MNEMONIC_DAS:
        touched = written;  // and keeps the ones these leave undefined
        break;
      default:
        break;
    }
    fs.qctx &= ~touched;
    c.si.undef_after = fs.undef;
    c.si.qctx_after = fs.qctx;
    if (c.si.rel_size) {
      uint32_t t;
      if (c.si.rel_size == 1) t = uint32_t(i) + 1 + r.below(4);
      else t = uint32_t(i) + 1 + r.below(uint32_t(n > i + 1 ? n - i : 1));
      if (t >= n) t = kEnd;
      c.si.target = int16_t(t);
      pending[t].merge(fs);
    }
    if (on_accepted) on_accepted(c.si.bytes, c.si.len);
    cs.push_back(c);
  };

  while (cs.size() < n) {
    FlagState here = fs;
    auto it = pending.find(uint32_t(cs.size()));
    if (it != pending.end()) here.merge(it->second);
    Candidate c;
    bool ok = false, consumes = false;
    for (unsigned tries = 0; tries < 400 && !ok; ++tries) {
      if (!random_candidate(r, c)) continue;
      const ZydisAccessedFlags* f = c.zi.cpu_flags;
      consumes = f && (f->tested & here.undef & kArithFlags);
      // Flags Unicorn computes from its translation context are no reference for anyone.
      if (f && (f->tested & here.qctx)) continue;
      if ((consumes || c.host_unsafe) && !unsafe_ok) continue;
      // Sequences the host does not check lean on Unicorn alone.
      if (c.unicorn_unreliable && (unsafe_ok || !tc.host_ok)) continue;
      ok = true;
    }
    if (!ok) {  // practically unreachable; a NOP keeps the sequence well formed
      static const uint8_t kNop = 0x90;
      decode(&kNop, 1, c.zi, c.ops);
      c.si = SeqInsn{};
      c.si.bytes[0] = kNop;
      c.si.len = 1;
      c.si.mnemonic = uint16_t(c.zi.mnemonic);
      consumes = false;
      c.host_unsafe = false;
    }
    if (consumes && tc.host_ok) {
      tc.host_ok = false;
      tc.host_why = "reads undefined flags (" + mnemonic_name(c.si.mnemonic) + ")";
    }
    if (c.host_unsafe && tc.host_ok) {
      tc.host_ok = false;
      tc.host_why = c.unsafe_why;
    }
    if (ok && c.unicorn_unreliable) tc.unicorn_unreliable = true;
    steer_memory(r, c);
    if (c.zi.mnemonic == ZYDIS_MNEMONIC_POPF || c.zi.mnemonic == ZYDIS_MNEMONIC_POPFD) {
      // Keep TF and AC clear in what POPF loads: a single-step trap or alignment checks would
      // stop the comparison being about the instructions.
      Candidate m;
      static const uint8_t k32[] = {0x81, 0x24, 0x24, 0xff, 0xfe, 0xfb, 0xff};
      static const uint8_t k16[] = {0x66, 0x81, 0x24, 0x24, 0xff, 0xfe};
      const bool w16 = c.zi.operand_width == 16;
      const uint8_t* src = w16 ? k16 : k32;
      unsigned len = w16 ? sizeof k16 : sizeof k32;
      decode(src, len, m.zi, m.ops);
      std::memcpy(m.si.bytes, src, len);
      m.si.len = uint8_t(len);
      m.si.mnemonic = uint16_t(m.zi.mnemonic);
      m.si.osize = m.zi.operand_width;
      m.si.inserted = true;
      m.si.mem_rmw = true;
      push(m);
    }
    push(c);
  }

  // Lay the sequence out and resolve branch targets.
  uint32_t off = 0;
  for (auto& c : cs) {
    c.si.offset = uint16_t(off);
    off += c.si.len;
  }
  tc.end = PD_CODE_BASE + off;
  FlagState at_end = fs;
  for (auto& [t, p] : pending)
    if (t >= cs.size()) at_end.merge(p);
  tc.undef_end = at_end.undef;
  tc.qctx_end = at_end.qctx;
  for (auto& c : cs) {
    SeqInsn& s = c.si;
    if (s.rel_size) {
      uint32_t t = uint32_t(s.target);
      // Land on the flag mask in front of a POPF, never on the POPF itself.
      if (t < cs.size() && t > 0 && cs[t - 1].si.inserted) {
        --t;
        cs[t].si.undef_before |= s.undef_after;
        cs[t].si.qctx_before |= s.qctx_after;
      }
      if (t > cs.size()) t = uint32_t(cs.size());
      s.target = int16_t(t);
      uint32_t dest = t == cs.size() ? tc.end : PD_CODE_BASE + cs[t].si.offset;
      uint32_t rel = dest - (PD_CODE_BASE + s.offset + s.len);
      put_le(s.bytes + s.rel_offset, rel, s.rel_size);
    }
    std::memcpy(tc.code + s.offset, s.bytes, s.len);
    tc.insns.push_back(s);
  }
  tc.code[off] = 0xe9;  // jmp PD_LANDING
  put_le(tc.code + off + 1, PD_LANDING - (tc.end + 5), 4);

  // Registers: follow each one's first use. A base register gets a data address, an index a
  // small value, ECX under REP a short count; the rest a mixture.
  Role roles[8] = {};
  for (auto& c : cs) {
    const bool rep = c.zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
                                        ZYDIS_ATTRIB_HAS_REPNE);
    if (rep && c.zi.meta.category == ZYDIS_CATEGORY_STRINGOP && roles[1] == Role::None)
      roles[1] = Role::Count;
    for (unsigned k = 0; k < c.zi.operand_count; ++k) {
      const ZydisDecodedOperand& o = c.ops[k];
      if (o.type != ZYDIS_OPERAND_TYPE_MEMORY) continue;
      uint8_t b = gpr_id(o.mem.base), x = gpr_id(o.mem.index);
      if (b < 8 && roles[b] == Role::None) roles[b] = Role::Addr;
      if (x < 8 && roles[x] == Role::None) roles[x] = Role::Small;
    }
  }
  static const uint32_t kSpecial[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                      0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe};
  for (unsigned k = 0; k < 8; ++k) {
    uint32_t v;
    switch (roles[k]) {
      case Role::Addr: v = random_data_address(r); break;
      case Role::Small: v = r.chance(1, 4) ? uint32_t(-int32_t(r.below(16))) : r.below(64); break;
      case Role::Count: v = r.below(40); break;
      default: {
        unsigned pick = r.below(20);
        if (pick < 6) v = r.below(256);
        else if (pick < 9) v = kSpecial[r.below(sizeof kSpecial / 4)];
        else if (pick < 14) v = r.u32();
        else v = random_data_address(r);
      }
    }
    tc.regs[k] = v;
  }
  // The stack: inside the writable pages above the hole, mostly aligned.
  tc.regs[4] = 0x6000 + 0x40 + r.below(0x2fb0);
  if (!r.chance(1, 8)) tc.regs[4] &= ~3u;
  if (r.chance(1, 32)) tc.regs[4] = 0x6000 + r.below(16);  // pushes run into the hole
  tc.eflags = 0x202 | (r.u32() & kArithFlags) | (r.chance(1, 4) ? 0x400u : 0u);

  // Memory: random dwords, small numbers, zeros and pointers into the data pages.
  for (unsigned p = 0; p < PD_NUM_DATA; ++p)
    for (unsigned o = 0; o < PD_PAGE; o += 4) {
      unsigned pick = r.below(20);
      uint32_t v = pick < 12 ? r.u32() : pick < 15 ? r.below(256) : pick < 18 ? random_data_address(r) : 0;
      put_le(&tc.data[p][o], v, 4);
    }
  return tc;
}

}  // namespace pvdiff
