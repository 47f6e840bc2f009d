// Architectural state of one IA-32 processor, as plain data: it serializes, hashes and
// compares byte for byte. Nothing here points outside the struct.
#pragma once
#include <cstdint>

namespace pvlab {

enum Gpr : uint8_t { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
enum SegReg : uint8_t { ES, CS, SS, DS, FS, GS, kNumSeg };

namespace fl {  // EFLAGS bits
constexpr uint32_t CF = 1u << 0, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6, SF = 1u << 7,
                   TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, OF = 1u << 11,
                   IOPL = 3u << 12, NT = 1u << 14, RF = 1u << 16, VM = 1u << 17,
                   AC = 1u << 18, VIF = 1u << 19, VIP = 1u << 20, ID = 1u << 21;
constexpr uint32_t kArith = CF | PF | AF | ZF | SF | OF;
constexpr uint32_t kFixed1 = 1u << 1;  // bit 1 always reads as one
constexpr uint32_t kWritable = kArith | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID;
constexpr unsigned kIoplShift = 12;
}  // namespace fl

namespace exc {  // exception vectors
constexpr uint8_t DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
                  TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18,
                  XM = 19;
}

// Segment descriptor attribute bits as kept in SegCache::attr: descriptor byte 5 in bits 0..7
// and the flags nibble of byte 6 in bits 8..11.
namespace sa {
constexpr uint16_t ACCESSED = 1u << 0, RW = 1u << 1, DC = 1u << 2, CODE = 1u << 3,
                   S = 1u << 4, DPL = 3u << 5, P = 1u << 7, AVL = 1u << 8, L = 1u << 9,
                   DB = 1u << 10, G = 1u << 11;
constexpr unsigned kDplShift = 5;
}  // namespace sa

struct SegCache {
  uint16_t sel = 0;
  uint16_t attr = 0;    // sa:: bits
  uint32_t base = 0;
  uint32_t limit = 0;   // byte-granular limit (granularity already applied)
  // Derived from attr for the fast access path.
  uint8_t valid = 0;    // usable: not a null selector in protected mode
  uint8_t readable = 0;
  uint8_t writable = 0;
  uint8_t expand_down = 0;

  unsigned dpl() const { return (attr >> sa::kDplShift) & 3; }
  bool big() const { return attr & sa::DB; }
};

struct DescTable {
  uint32_t base = 0;
  uint16_t limit = 0;
};

// Lazily computed arithmetic flags: the last flag-setting operation and its inputs.
enum class LazyOp : uint8_t {
  None,   // EFLAGS holds the arithmetic flags
  Add, Adc, Sub, Sbb, Logic, Inc, Dec, Neg,
  Shl, Shr,  // shifts: src1 = the operand shifted by count - 1 (SHR also for SAR)
};

struct LazyFlags {
  uint32_t res = 0, src1 = 0, src2 = 0;
  LazyOp op = LazyOp::None;
  uint8_t size = 4;     // operand size in bytes
  uint8_t carry = 0;    // carry in (ADC/SBB) or the preserved CF (INC/DEC)
};

struct Msrs {
  uint64_t efer = 0;
  uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
  uint64_t apic_base = 0xfee00900;  // enabled, bootstrap processor
  uint64_t misc_enable = 1;         // fast strings
  int64_t tsc_offset = 0;           // TSC = cycles + tsc_offset
  uint64_t pat = 0x0007040600070406ull;
  uint64_t mtrr_def_type = 0;
  uint64_t bios_sign_id = 0;        // microcode revision in the high half after CPUID leaf 1
  uint64_t perfctr[2] = {};         // P6 performance counters (40 bits; they never count)
  uint64_t evntsel[2] = {};
};

enum class CpuMode : uint8_t { Real, Protected, V86 };

struct CpuState {
  uint32_t r[8] = {};
  uint32_t eip = 0;
  uint32_t eflags = fl::kFixed1;  // arithmetic bits valid only when lf.op == None
  LazyFlags lf;

  SegCache seg[kNumSeg];
  SegCache ldtr, tr;
  DescTable gdtr, idtr;

  uint32_t cr0 = 0x60000010;  // CD | NW | ET after reset
  uint32_t cr2 = 0, cr3 = 0, cr4 = 0;
  uint64_t pdpte[4] = {};     // PAE PDPTE registers, loaded by MOV to CR0 / CR3 / CR4
  uint32_t dr[8] = {0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400};
  Msrs msr;

  uint8_t cpl = 0;
  CpuMode mode = CpuMode::Real;
  uint8_t halted = 0;
  uint8_t int_shadow = 0;    // STI / MOV SS / POP SS: no interrupt before the next instruction
  uint8_t nmi_blocked = 0;

  uint64_t cycles = 0;       // the time base
  uint64_t insns = 0;        // retired instructions
};

}  // namespace pvlab
