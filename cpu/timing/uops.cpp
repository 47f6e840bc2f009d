#include "cpu/timing/uops.h"

#include <Zydis/Zydis.h>

#include "cpu/state.h"

namespace pvlab {

namespace {

constexpr uint8_t R(unsigned r) { return uint8_t(1u << r); }
constexpr uint8_t kAX = R(EAX), kCX = R(ECX), kDX = R(EDX), kBX = R(EBX), kSP = R(ESP),
                  kBP = R(EBP), kSI = R(ESI), kDI = R(EDI);

using namespace uopf;
constexpr uint8_t kRMW = DST_READ | DST_WRITE;

struct Table {
  MnemonicTiming rows[ZYDIS_MNEMONIC_MAX_VALUE + 1];

  void set(ZydisMnemonic m, ExecClass c, uint8_t f, uint8_t rd = 0, uint8_t wr = 0,
           StackAccess st = StackAccess::None, BranchKind br = BranchKind::None) {
    rows[m] = {c, f, rd, wr, st, br};
  }

  Table() {
    using E = ExecClass;
    // Two-operand arithmetic and logic: operand 0 read and written, flags written.
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_SUB, ZYDIS_MNEMONIC_AND,
                            ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_SHL,
                            ZYDIS_MNEMONIC_SHR, ZYDIS_MNEMONIC_SAR, ZYDIS_MNEMONIC_ROL,
                            ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_SHLD, ZYDIS_MNEMONIC_SHRD,
                            ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC, ZYDIS_MNEMONIC_NEG,
                            ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR, ZYDIS_MNEMONIC_BTC,
                            ZYDIS_MNEMONIC_BSF, ZYDIS_MNEMONIC_BSR})
      set(m, E::Alu, kRMW | WRITES_FLAGS);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_RCL,
                            ZYDIS_MNEMONIC_RCR})
      set(m, E::Alu, kRMW | READS_FLAGS | WRITES_FLAGS);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CMP, ZYDIS_MNEMONIC_TEST, ZYDIS_MNEMONIC_BT})
      set(m, E::Alu, DST_READ | WRITES_FLAGS);
    set(ZYDIS_MNEMONIC_NOT, E::Alu, kRMW);
    set(ZYDIS_MNEMONIC_BSWAP, E::Alu, kRMW);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_MOV, ZYDIS_MNEMONIC_MOVZX, ZYDIS_MNEMONIC_MOVSX})
      set(m, E::Alu, DST_WRITE);
    set(ZYDIS_MNEMONIC_LEA, E::Alu, DST_WRITE | NO_ACCESS);
    set(ZYDIS_MNEMONIC_XCHG, E::Alu, kRMW | SRC_WRITE);
    set(ZYDIS_MNEMONIC_XADD, E::Alu, kRMW | SRC_WRITE | WRITES_FLAGS);
    set(ZYDIS_MNEMONIC_CMPXCHG, E::Alu, kRMW | WRITES_FLAGS, kAX, kAX);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_SETB, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETL,
                            ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNB, ZYDIS_MNEMONIC_SETNBE,
                            ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETNLE, ZYDIS_MNEMONIC_SETNO,
                            ZYDIS_MNEMONIC_SETNP, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETNZ,
                            ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETP, ZYDIS_MNEMONIC_SETS,
                            ZYDIS_MNEMONIC_SETZ})
      set(m, E::Alu, DST_WRITE | READS_FLAGS);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CMOVB, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVL,
                            ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNB, ZYDIS_MNEMONIC_CMOVNBE,
                            ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVNLE, ZYDIS_MNEMONIC_CMOVNO,
                            ZYDIS_MNEMONIC_CMOVNP, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVNZ,
                            ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVP, ZYDIS_MNEMONIC_CMOVS,
                            ZYDIS_MNEMONIC_CMOVZ})
      set(m, E::Alu, kRMW | READS_FLAGS);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CLC, ZYDIS_MNEMONIC_STC, ZYDIS_MNEMONIC_CLD,
                            ZYDIS_MNEMONIC_STD})
      set(m, E::Alu, WRITES_FLAGS);
    set(ZYDIS_MNEMONIC_CMC, E::Alu, READS_FLAGS | WRITES_FLAGS);
    set(ZYDIS_MNEMONIC_SALC, E::Alu, READS_FLAGS, kAX, kAX);
    set(ZYDIS_MNEMONIC_LAHF, E::Alu, READS_FLAGS, kAX, kAX);
    set(ZYDIS_MNEMONIC_SAHF, E::Alu, WRITES_FLAGS, kAX, 0);
    set(ZYDIS_MNEMONIC_CBW, E::Alu, 0, kAX, kAX);
    set(ZYDIS_MNEMONIC_CWDE, E::Alu, 0, kAX, kAX);
    set(ZYDIS_MNEMONIC_CWD, E::Alu, 0, kAX, kDX);
    set(ZYDIS_MNEMONIC_CDQ, E::Alu, 0, kAX, kDX);
    set(ZYDIS_MNEMONIC_XLAT, E::Alu, 0, kAX | kBX, kAX);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_DAA, ZYDIS_MNEMONIC_DAS, ZYDIS_MNEMONIC_AAA,
                            ZYDIS_MNEMONIC_AAS, ZYDIS_MNEMONIC_AAM, ZYDIS_MNEMONIC_AAD})
      set(m, E::Alu, READS_FLAGS | WRITES_FLAGS, kAX, kAX);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_NOP, ZYDIS_MNEMONIC_PAUSE, ZYDIS_MNEMONIC_FWAIT})
      set(m, E::None, 0);

    // Multiply and divide. The one-operand forms use EAX and EDX; IMUL's two- and
    // three-operand forms are fixed up from the operand count (cpu/timing/ooo.cpp).
    set(ZYDIS_MNEMONIC_MUL, E::Mul, DST_READ | WRITES_FLAGS, kAX, kAX | kDX);
    set(ZYDIS_MNEMONIC_IMUL, E::Mul, DST_READ | WRITES_FLAGS, kAX, kAX | kDX);
    set(ZYDIS_MNEMONIC_DIV, E::Div, DST_READ | WRITES_FLAGS, kAX | kDX, kAX | kDX);
    set(ZYDIS_MNEMONIC_IDIV, E::Div, DST_READ | WRITES_FLAGS, kAX | kDX, kAX | kDX);

    // The stack.
    set(ZYDIS_MNEMONIC_PUSH, E::Alu, DST_READ, kSP, kSP, StackAccess::Push);
    set(ZYDIS_MNEMONIC_POP, E::Alu, DST_WRITE, kSP, kSP, StackAccess::Pop);
    set(ZYDIS_MNEMONIC_PUSHFD, E::Alu, READS_FLAGS, kSP, kSP, StackAccess::Push);
    set(ZYDIS_MNEMONIC_PUSHF, E::Alu, READS_FLAGS, kSP, kSP, StackAccess::Push);
    set(ZYDIS_MNEMONIC_LEAVE, E::Alu, 0, kBP, kSP | kBP, StackAccess::Pop);

    // Near branches.
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JL,
                            ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNB, ZYDIS_MNEMONIC_JNBE,
                            ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JNLE, ZYDIS_MNEMONIC_JNO,
                            ZYDIS_MNEMONIC_JNP, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JNZ,
                            ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JS,
                            ZYDIS_MNEMONIC_JZ})
      set(m, E::Branch, READS_FLAGS, 0, 0, StackAccess::None, BranchKind::Cond);
    set(ZYDIS_MNEMONIC_JCXZ, E::Branch, 0, kCX, 0, StackAccess::None, BranchKind::Cond);
    set(ZYDIS_MNEMONIC_JECXZ, E::Branch, 0, kCX, 0, StackAccess::None, BranchKind::Cond);
    set(ZYDIS_MNEMONIC_LOOP, E::Branch, 0, kCX, kCX, StackAccess::None, BranchKind::Cond);
    set(ZYDIS_MNEMONIC_LOOPE, E::Branch, READS_FLAGS, kCX, kCX, StackAccess::None, BranchKind::Cond);
    set(ZYDIS_MNEMONIC_LOOPNE, E::Branch, READS_FLAGS, kCX, kCX, StackAccess::None, BranchKind::Cond);
    // JMP / CALL / RET: direct or indirect is decided from the operand (cpu/timing/ooo.cpp).
    set(ZYDIS_MNEMONIC_JMP, E::Branch, DST_READ, 0, 0, StackAccess::None, BranchKind::Jump);
    set(ZYDIS_MNEMONIC_CALL, E::Branch, DST_READ, kSP, kSP, StackAccess::Push, BranchKind::Call);
    set(ZYDIS_MNEMONIC_RET, E::Branch, 0, kSP, kSP, StackAccess::Pop, BranchKind::Return);

    // String instructions (ESI, EDI and, with REP, ECX are fixed up in cpu/timing/ooo.cpp).
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD,
                            ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD,
                            ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD})
      set(m, E::String, 0, kSI | kDI | kAX, kSI | kDI | kAX);
    for (ZydisMnemonic m : {ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD,
                            ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD})
      set(m, E::String, WRITES_FLAGS, kSI | kDI | kAX, kSI | kDI);
    // Everything else (segment loads, system instructions, I/O, INT, IRET, PUSHA/POPA,
    // POPF, ENTER, CPUID, RDTSC, ...) stays Serial.
  }
};

}  // namespace

const MnemonicTiming& mnemonic_timing(unsigned mnemonic) {
  static const Table t;
  return t.rows[mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE ? mnemonic : 0];
}

namespace {
uint32_t gpr_bit(uint8_t reg, uint8_t size) {
  return 1u << (size == 1 && reg >= 4 ? reg - 4 : reg);
}
}  // namespace

void shape_insn(const Insn& insn, InsnShape& out) {
  const MnemonicTiming& mt = mnemonic_timing(insn.mnemonic);
  ExecClass cls = mt.cls;
  uint8_t f = mt.flags;
  uint32_t src = mt.reads, dst = mt.writes;
  BranchKind br = mt.branch;
  StackAccess stack = mt.stack;
  if (insn.mnemonic == ZYDIS_MNEMONIC_IMUL && insn.nops >= 2) {
    f = uint8_t((insn.nops == 2 ? uopf::DST_READ : 0) | uopf::DST_WRITE | uopf::WRITES_FLAGS);
    src = dst = 0;
  }
  if (f & uopf::READS_FLAGS) src |= 1u << kFlagsBit;
  if (f & uopf::WRITES_FLAGS) dst |= 1u << kFlagsBit;
  uint32_t addr_regs = 0;
  bool load = false, store = false;
  for (unsigned k = 0; k < insn.nops; ++k) {
    const Operand& o = insn.op[k];
    switch (o.kind) {
      case OpKind::Reg: {
        const uint32_t b = gpr_bit(o.reg, o.size);
        if (k == 0) {
          if ((f & uopf::DST_READ) || ((f & uopf::DST_WRITE) && o.size < 4)) src |= b;
          if (f & uopf::DST_WRITE) dst |= b;
        } else {
          src |= b;
          if (k == 1 && (f & uopf::SRC_WRITE)) dst |= b;
        }
        break;
      }
      case OpKind::Mem: {
        if (insn.mem.base != 0xff) addr_regs |= 1u << insn.mem.base;
        if (insn.mem.index != 0xff) addr_regs |= 1u << insn.mem.index;
        if (f & uopf::NO_ACCESS) src |= addr_regs;
        else if (k == 0) {
          load = f & uopf::DST_READ;
          store = f & uopf::DST_WRITE;
        } else {
          load = true;
        }
        break;
      }
      case OpKind::SReg:
      case OpKind::CReg:
      case OpKind::DReg:
      case OpKind::Ptr: cls = ExecClass::Serial; break;
      default: break;
    }
  }
  if (br == BranchKind::Jump || br == BranchKind::Call) {
    if (insn.opcode == 0xff && (insn.modrm_reg == 3 || insn.modrm_reg == 5)) cls = ExecClass::Serial;
    else if (insn.nops && insn.op[0].kind != OpKind::Rel)
      br = br == BranchKind::Jump ? BranchKind::IndirectJump : BranchKind::IndirectCall;
  }
  if (br == BranchKind::Return && (insn.opcode == 0xca || insn.opcode == 0xcb)) cls = ExecClass::Serial;
  if (cls == ExecClass::String) load = store = false;   // the string path touches its ranges
  if (cls == ExecClass::Serial) {
    br = BranchKind::None;
    stack = StackAccess::None;
    load = store = false;
  }
  if (stack != StackAccess::None) addr_regs |= 1u << ESP;
  const bool any_load = load || stack == StackAccess::Pop, any_store = store || stack == StackAccess::Push;
  // Moves whose only work is the memory access need no execution micro-op of their own.
  const bool pure_move = (insn.mnemonic == ZYDIS_MNEMONIC_MOV || insn.mnemonic == ZYDIS_MNEMONIC_MOVZX ||
                          insn.mnemonic == ZYDIS_MNEMONIC_MOVSX || insn.mnemonic == ZYDIS_MNEMONIC_PUSH ||
                          insn.mnemonic == ZYDIS_MNEMONIC_POP) && (any_load || any_store);
  const bool exec = cls != ExecClass::None && !pure_move;
  const unsigned nuops = unsigned(exec) + unsigned(any_load) + unsigned(any_store);
  if (cls == ExecClass::String && insn.rep()) {
    src |= 1u << ECX;
    dst |= 1u << ECX;
  }
  out.cls = cls;
  out.br = br;
  out.stack = stack;
  out.load = load;
  out.store = store;
  out.pure_move = pure_move;
  out.exec = exec;
  out.leave = insn.mnemonic == ZYDIS_MNEMONIC_LEAVE;
  out.src = src;
  out.dst = dst;
  out.addr_regs = addr_regs;
  out.uops = uint8_t(nuops ? nuops : 1);
  uint32_t res_dst = dst;
  if (stack != StackAccess::None) {
    res_dst &= ~(1u << ESP);
    if (out.leave) res_dst |= 1u << EBP;
  }
  out.res_dst = res_dst;
  out.bits = uint16_t((load ? shapeb::LOAD : 0) | (store ? shapeb::STORE : 0) |
                      (stack == StackAccess::Pop ? shapeb::POP : 0) | (stack == StackAccess::Push ? shapeb::PUSH : 0) |
                      (exec ? shapeb::EXEC : 0) | (pure_move ? shapeb::PURE_MOVE : 0) |
                      (out.leave ? shapeb::LEAVE : 0) | (cls == ExecClass::Serial ? shapeb::SERIAL : 0));
}

}  // namespace pvlab
