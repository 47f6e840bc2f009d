// The instruction groups. Each file in cpu/interp/ defines the semantics of one group and a
// register_* function that adds its rows to the OpTable.
#pragma once
#include "cpu/cpu.h"
#include "cpu/decode/optable.h"

namespace pvlab::interp {

void register_all(OpTable& t);

void register_alu(OpTable& t);        // alu.cpp: ADD..CMP, INC/DEC/NEG/NOT, TEST
void register_shift(OpTable& t);      // shift.cpp: shifts, rotates, SHLD/SHRD
void register_muldiv(OpTable& t);     // muldiv.cpp: MUL/IMUL/DIV/IDIV, CBW..CDQ
void register_bcd(OpTable& t);        // bcd.cpp: DAA/DAS/AAA/AAS/AAM/AAD
void register_bits(OpTable& t);       // bits.cpp: BT*/BSF/BSR, SETcc, CMOVcc, BSWAP
void register_data(OpTable& t);       // data.cpp: MOV family, LEA, XCHG, XADD, CMPXCHG*, flags ops
void register_stack(OpTable& t);      // stack.cpp: PUSH/POP (incl. segment), PUSHA/POPA, ENTER/LEAVE
void register_string(OpTable& t);     // string.cpp: MOVS/CMPS/SCAS/LODS/STOS/INS/OUTS, XLAT
void register_branch(OpTable& t);     // branch.cpp: Jcc/JMP/CALL/RET near, LOOP*, JCXZ
void register_far(OpTable& t);        // far.cpp: far JMP/CALL/RET, gates, INT/IRET, task switch
void register_system(OpTable& t);     // system.cpp: CR/DR/MSR/CPUID/RDTSC, SYSENTER, HLT, IN/OUT
void register_descriptor(OpTable& t); // descriptor.cpp: LGDT..SIDT, LLDT/LTR, LAR/LSL, VERR/VERW, ARPL
void register_misc(OpTable& t);       // misc.cpp: NOP, CLC.., CLI/STI, LAHF/SAHF, UD2, BOUND

// Shared handlers.
bool undefined(Cpu& cpu, const Insn& i);       // #UD
bool unimplemented(Cpu& cpu, const Insn& i);   // #UD, remembering the mnemonic
bool x87_unavailable(Cpu& cpu, const Insn& i); // #NM when CR0.EM or CR0.TS, else #UD
// MOV with a control or debug register operand (system.cpp); the decoder picks these.
bool mov_cr(Cpu& cpu, const Insn& i);
bool mov_dr(Cpu& cpu, const Insn& i);

}  // namespace pvlab::interp
