#include "cpu/decode/decoder.h"

#include "cpu/decode/optable.h"
#include "cpu/interp/groups.h"
#include "cpu/state.h"

namespace pvlab {

namespace {

void init_one(ZydisDecoder& d, ZydisMachineMode mode, ZydisStackWidth width) {
  ZydisDecoderInit(&d, mode, width);
  // Decode as a P6-class processor would: F3 0F BC/BD are BSF/BSR, F2 before a branch is a
  // plain prefix, F3 0F 1E is a hinting NOP.
  for (ZydisDecoderMode m : {ZYDIS_DECODER_MODE_LZCNT, ZYDIS_DECODER_MODE_TZCNT,
                             ZYDIS_DECODER_MODE_MPX, ZYDIS_DECODER_MODE_CET,
                             ZYDIS_DECODER_MODE_WBNOINVD, ZYDIS_DECODER_MODE_CLDEMOTE})
    ZydisDecoderEnableMode(&d, m, ZYAN_FALSE);
}

// GPR index (0..7) of a Zydis general register of any width, or 0xff.
uint8_t gpr_index(ZydisRegister r) {
  if (r == ZYDIS_REGISTER_NONE) return 0xff;
  switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR8:
    case ZYDIS_REGCLASS_GPR16:
    case ZYDIS_REGCLASS_GPR32: return uint8_t(ZydisRegisterGetId(r));
    default: return 0xff;
  }
}

uint8_t seg_index(ZydisRegister r) {
  switch (r) {
    case ZYDIS_REGISTER_ES: return ES;
    case ZYDIS_REGISTER_CS: return CS;
    case ZYDIS_REGISTER_SS: return SS;
    case ZYDIS_REGISTER_DS: return DS;
    case ZYDIS_REGISTER_FS: return FS;
    case ZYDIS_REGISTER_GS: return GS;
    default: return DS;
  }
}

bool set_register(Operand& o, ZydisRegister r) {
  switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR8:
    case ZYDIS_REGCLASS_GPR16:
    case ZYDIS_REGCLASS_GPR32:
      o.kind = OpKind::Reg;
      o.reg = uint8_t(ZydisRegisterGetId(r));
      return true;
    case ZYDIS_REGCLASS_SEGMENT:
      o.kind = OpKind::SReg;
      o.reg = seg_index(r);
      return true;
    case ZYDIS_REGCLASS_CONTROL:
      o.kind = OpKind::CReg;
      o.reg = uint8_t(ZydisRegisterGetId(r));
      return true;
    case ZYDIS_REGCLASS_DEBUG:
      o.kind = OpKind::DReg;
      o.reg = uint8_t(ZydisRegisterGetId(r));
      return true;
    default: return false;  // x87, MMX, XMM: handled by the unit that owns them
  }
}

}  // namespace

Decoder::Decoder() {
  init_one(d16_, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
  init_one(d32_, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}

bool Decoder::decode_raw(const uint8_t* bytes, size_t n, bool code32, ZydisDecodedInstruction& zi,
                         ZydisDecodedOperand* ops) const {
  return ZYAN_SUCCESS(ZydisDecoderDecodeFull(code32 ? &d32_ : &d16_, bytes, n, &zi, ops));
}

DecodeStatus Decoder::decode(const uint8_t* bytes, size_t n, bool code32, Insn& out) const {
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
  ZyanStatus st = ZydisDecoderDecodeFull(code32 ? &d32_ : &d16_, bytes, n, &zi, zo);
  out = Insn{};
  if (!ZYAN_SUCCESS(st)) {
    if (st == ZYDIS_STATUS_NO_MORE_DATA) return n >= 15 ? DecodeStatus::TooLong : DecodeStatus::NeedMore;
    if (st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG) return DecodeStatus::TooLong;
    // Anything else Zydis rejects (bad opcode, illegal LOCK, ...) is #UD. Its length is
    // unknown; one byte keeps block building going until the fault is raised.
    out.len = 1;
    out.fn = interp::undefined;
    out.flags = iflag::ENDS_BLOCK;
    return DecodeStatus::Invalid;
  }

  const OpEntry& row = zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR ? op_table().far(zi.mnemonic)
                                                                     : op_table()[zi.mnemonic];
  out.mnemonic = uint16_t(zi.mnemonic);
  out.len = zi.length;
  out.opcode = zi.opcode;
  out.modrm_reg = (zi.attributes & ZYDIS_ATTRIB_HAS_MODRM) ? zi.raw.modrm.reg : 0;
  bool opsz = zi.attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE;
  bool adsz = zi.attributes & ZYDIS_ATTRIB_HAS_ADDRESSSIZE;
  out.osize = (code32 != opsz) ? 4 : 2;
  out.asize = (code32 != adsz) ? 4 : 2;
  out.flags = row.flags;
  out.cost = row.cost;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) out.flags |= iflag::LOCK;
  if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) out.flags |= iflag::REP;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE) out.flags |= iflag::REPNE;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT) out.flags |= iflag::SEG_OVERRIDE;
  // The segment a string instruction's source uses (DS unless overridden).
  out.mem.seg = DS;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_ES) out.mem.seg = ES;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_CS) out.mem.seg = CS;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_SS) out.mem.seg = SS;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_FS) out.mem.seg = FS;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_GS) out.mem.seg = GS;

  bool foreign = false;  // operands of a unit pvlab does not have yet (x87, MMX, SSE)
  unsigned nimm = 0;
  for (unsigned k = 0; k < zi.operand_count_visible && out.nops < 3; ++k) {
    const ZydisDecodedOperand& z = zo[k];
    Operand& o = out.op[out.nops];
    o.size = uint8_t(z.size / 8);
    switch (z.type) {
      case ZYDIS_OPERAND_TYPE_REGISTER:
        if (!set_register(o, z.reg.value)) foreign = true;
        break;
      case ZYDIS_OPERAND_TYPE_MEMORY:
        o.kind = OpKind::Mem;
        out.mem.seg = seg_index(z.mem.segment);
        out.mem.base = gpr_index(z.mem.base);
        out.mem.index = gpr_index(z.mem.index);
        out.mem.scale = uint8_t(z.mem.scale == 8 ? 3 : z.mem.scale == 4 ? 2 : z.mem.scale == 2 ? 1 : 0);
        out.mem.disp = z.mem.disp.has_displacement ? uint32_t(z.mem.disp.value) : 0;
        break;
      case ZYDIS_OPERAND_TYPE_POINTER:
        o.kind = OpKind::Ptr;
        out.imm = z.ptr.offset;
        out.imm2 = z.ptr.segment;
        break;
      case ZYDIS_OPERAND_TYPE_IMMEDIATE: {
        uint32_t v = uint32_t(z.imm.value.u);
        if (z.imm.is_relative) {
          o.kind = OpKind::Rel;
          out.imm = v;
        } else {
          o.kind = OpKind::Imm;
          // Signed immediates (the imm8 of 83 /n, 6A, 6B) keep their sign extension to 32
          // bits; handlers truncate to the operation size. Unsigned ones are zero-extended.
          if (!z.imm.is_signed && o.size && o.size < 4) v &= (1u << (8 * o.size)) - 1;
          o.imm_index = uint8_t(nimm);
          (nimm++ == 0 ? out.imm : out.imm2) = v;
        }
        break;
      }
      default: foreign = true; break;
    }
    ++out.nops;
  }

  if (row.fn && !foreign) {
    out.fn = row.fn;
    if (row.specialize)
      if (Handler h = row.specialize(out)) out.fn = h;
  } else {
    switch (zi.meta.category) {
      case ZYDIS_CATEGORY_X87_ALU:
      case ZYDIS_CATEGORY_FCMOV:
        out.fn = interp::x87_unavailable;
        break;
      default:
        out.fn = (zi.meta.isa_set == ZYDIS_ISA_SET_X87) ? interp::x87_unavailable
                                                         : interp::unimplemented;
        break;
    }
    out.flags |= iflag::ENDS_BLOCK;
  }
  // MOV to or from a control or debug register is a system instruction of its own.
  if (zi.mnemonic == ZYDIS_MNEMONIC_MOV && out.nops == 2) {
    const OpKind k0 = out.op[0].kind, k1 = out.op[1].kind;
    if (k0 == OpKind::CReg || k1 == OpKind::CReg || k0 == OpKind::DReg || k1 == OpKind::DReg) {
      out.fn = (k0 == OpKind::CReg || k1 == OpKind::CReg) ? interp::mov_cr : interp::mov_dr;
      out.flags |= iflag::ENDS_BLOCK;
      out.cost = 8;
    }
  }
  return DecodeStatus::Ok;
}

}  // namespace pvlab
