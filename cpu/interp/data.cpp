// Data movement: MOV (general and segment registers), MOVZX/MOVSX, LEA, XCHG, XADD, CMPXCHG,
// CMPXCHG8B, the far-pointer loads LDS/LES/LFS/LGS/LSS, and the EFLAGS image moves PUSHF/POPF.
//
// MOV to CS and the register forms of LDS.., CMPXCHG8B are invalid encodings that the decoder
// already turns into #UD. The exchange instructions take their memory operand as a read of a
// read-modify-write, so a destination that cannot be written faults before anything changes.
#include "cpu/interp/forms.h"
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

[[gnu::noinline]] bool mov(Cpu& c, const Insn& i);

template <class D, class S>
struct Mov {
  static bool run(Cpu& c, const Insn& i) {
    D d;
    S s;
    if (!d.prepare(c, i, 0, true) || !s.prepare(c, i, 1, false)) return mov(c, i);
    uint32_t v;
    if (!s.get(c, i, 1, v, false)) return false;
    return d.put(c, i, 0, v);
  }
};

bool mov(Cpu& c, const Insn& i) { return Mov<form::Any, form::Any>::run(c, i); }

// MOVZX / MOVSX: a byte or word source widened into a word or doubleword register.
template <bool kSigned>
[[gnu::noinline]] bool movx(Cpu& c, const Insn& i);

template <bool kSigned, class D, class S>
PVLAB_INLINE bool movx_impl(Cpu& c, const Insn& i) {
  D d;
  S s;
  if (!s.prepare(c, i, 1, false)) return movx<kSigned>(c, i);
  uint32_t v;
  if (!s.get(c, i, 1, v, false)) return false;
  const unsigned from = s.size(i, 1);
  if (kSigned) v = from == 1 ? uint32_t(int32_t(int8_t(v))) : uint32_t(int32_t(int16_t(v)));
  else v &= size_mask(from);
  return d.put(c, i, 0, v);
}

template <bool kSigned>
bool movx(Cpu& c, const Insn& i) {
  return movx_impl<kSigned, form::Any, form::Any>(c, i);
}

template <bool kSigned>
struct Movx {
  template <class D, class S>
  struct F {
    static bool run(Cpu& c, const Insn& i) { return movx_impl<kSigned, D, S>(c, i); }
  };
  template <class S>
  using To32 = F<form::Reg<4>, S>;
  template <class S>
  using To16 = F<form::Reg<2>, S>;
};

template <bool kSigned>
Handler specialize_movx(const Insn& i) {
  if (i.nops != 2 || i.op[0].kind != OpKind::Reg) return nullptr;
  if (i.op[0].size == 4) return form::pick_rm<Movx<kSigned>::template To32>(i, 1);
  if (i.op[0].size == 2) return form::pick_rm<Movx<kSigned>::template To16>(i, 1);
  return nullptr;
}

bool lea(Cpu& c, const Insn& i) {
  c.set_reg(i.op[0].reg, i.op[0].size, c.ea(i));
  return true;
}

// LEA r32 with 32-bit addressing.
bool lea32(Cpu& c, const Insn& i) {
  c.s.r[i.op[0].reg] = form::ea32(c, i);
  return true;
}

// XCHG: a memory operand is always op[0] or op[1]; the memory write comes first so that a
// fault leaves the register as it was. XCHG with memory is locked whether or not LOCK is given.
bool xchg(Cpu& c, const Insn& i) {
  uint32_t a, b;
  if (!c.load(i, 0, a, true) || !c.load(i, 1, b, true)) return false;
  if (i.op[1].kind == OpKind::Mem) {
    if (!c.store(i, 1, a)) return false;
    return c.store(i, 0, b);
  }
  if (!c.store(i, 0, b)) return false;
  return c.store(i, 1, a);
}

// XADD dest, src: src <- dest, dest <- dest + src; flags as ADD. For XADD r, r with the same
// register the sum wins, so the source register is written before the destination.
bool xadd(Cpu& c, const Insn& i) {
  uint32_t d, s;
  if (!c.load(i, 0, d, true) || !c.load(i, 1, s)) return false;
  const unsigned sz = i.op[0].size;
  const uint32_t m = size_mask(sz);
  d &= m;
  s &= m;
  const uint32_t r = (d + s) & m;
  if (i.op[0].kind == OpKind::Mem) {
    if (!c.store(i, 0, r)) return false;
    c.store(i, 1, d);
  } else {
    c.store(i, 1, d);
    c.store(i, 0, r);
  }
  set_lazy(c.s, LazyOp::Add, sz, d, s, r);
  return true;
}

// CMPXCHG dest, src: compare the accumulator with dest (flags as CMP acc, dest). Equal: dest <-
// src. Different: acc <- dest, and dest is written back with its own value (a P6 always runs
// the write cycle, so a read-only destination faults either way).
bool cmpxchg(Cpu& c, const Insn& i) {
  const unsigned sz = i.op[0].size;
  const uint32_t m = size_mask(sz);
  uint32_t d, s;
  if (!c.load(i, 0, d, true) || !c.load(i, 1, s)) return false;
  d &= m;
  const uint32_t acc = c.reg(EAX, sz);
  const bool equal = acc == d;
  if (!c.store(i, 0, equal ? (s & m) : d)) return false;
  if (!equal) c.set_reg(EAX, sz, d);
  set_lazy(c.s, LazyOp::Sub, sz, acc, d, (acc - d) & m);
  return true;
}

// CMPXCHG8B m64: EDX:EAX against m64; equal: m64 <- ECX:EBX, else EDX:EAX <- m64 (and m64 is
// written back unchanged). Only ZF changes. The read is the locked read of a write: it needs
// write access, and a page fault on it reports a write.
bool cmpxchg8b(Cpu& c, const Insn& i) {
  const uint32_t off = c.ea(i);
  uint32_t lin;
  if (!c.seg_check(i.mem.seg, off, 8, 2, lin)) return false;
  const unsigned access = c.user_access() | kWrite;
  uint32_t lo, hi;
  if (!c.read_lin(lin, 4, lo, access) || !c.read_lin(lin + 4, 4, hi, access)) return false;
  const bool equal = lo == c.s.r[EAX] && hi == c.s.r[EDX];
  const uint32_t nlo = equal ? c.s.r[EBX] : lo, nhi = equal ? c.s.r[ECX] : hi;
  if (!c.write_lin(lin, 4, nlo, c.user_access()) || !c.write_lin(lin + 4, 4, nhi, c.user_access()))
    return false;
  if (!equal) {
    c.s.r[EAX] = lo;
    c.s.r[EDX] = hi;
  }
  materialize(c.s);
  c.s.eflags = equal ? (c.s.eflags | fl::ZF) : (c.s.eflags & ~fl::ZF);
  return true;
}

// LDS/LES/LFS/LGS/LSS r, m16:16 / m16:32: offset first, selector after it. The segment
// register is loaded (with every protected-mode check) before the general register changes.
template <unsigned kSeg>
bool load_far_pointer(Cpu& c, const Insn& i) {
  const unsigned osz = i.op[0].size;
  const uint32_t off = c.ea(i);
  uint32_t ptr, sel;
  if (!c.read(i.mem.seg, off, osz, ptr)) return false;
  if (!c.read(i.mem.seg, off + osz, 2, sel)) return false;
  const uint8_t shadow = c.s.int_shadow;
  if (!c.load_seg(kSeg, uint16_t(sel))) return false;
  if (kSeg == SS) c.s.int_shadow = shadow;  // only MOV SS and POP SS hold off interrupts
  c.set_reg(i.op[0].reg, osz, ptr);
  return true;
}

PVLAB_INLINE unsigned iopl(const Cpu& c) { return (c.s.eflags >> fl::kIoplShift) & 3; }

// PUSHF/PUSHFD. The pushed image has VM and RF clear. In V86 mode with IOPL < 3 the 32-bit
// form faults; the 16-bit form faults too unless CR4.VME, which pushes VIF in place of IF
// and IOPL as 3.
bool pushf(Cpu& c, const Insn& i) {
  uint32_t f = c.flags();
  if (c.v86() && iopl(c) < 3) {
    if (i.osize == 4 || !(c.s.cr4 & cr4::VME)) return c.gp(0);
    f = (f & ~(fl::IF | fl::IOPL)) | fl::IOPL | ((f & fl::VIF) ? fl::IF : 0);
  }
  if (i.osize == 2) return c.push(f & 0xffff, 2);
  return c.push(f & ~(fl::VM | fl::RF), 4);
}

// POPF/POPFD. Which bits change:
//   CPL 0 (and real mode):        everything but VM, VIP, VIF (32-bit: RF cleared)
//   0 < CPL <= IOPL:              also not IOPL
//   CPL > IOPL:                   also not IOPL, not IF
//   V86, IOPL 3:                  like CPL > 0 with CPL <= IOPL
//   V86, IOPL < 3:                #GP(0); with CR4.VME the 16-bit form writes IF into VIF
//                                 (#GP(0) if it would set TF, or set IF while VIP is set)
// The 16-bit forms change bits 0..15 only. Bit 1 stays set and reserved bits stay clear.
bool popf(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.stack_read(0, i.osize, v)) return false;
  constexpr uint32_t kUser = fl::kArith | fl::TF | fl::DF | fl::NT | fl::AC | fl::ID;
  uint32_t mask;
  if (c.v86()) {
    if (iopl(c) < 3) {
      if (i.osize == 4 || !(c.s.cr4 & cr4::VME)) return c.gp(0);
      if ((v & fl::TF) || ((v & fl::IF) && (c.s.eflags & fl::VIP))) return c.gp(0);
      uint32_t nv = (v & 0xffff) | ((v & fl::IF) ? fl::VIF : 0);
      c.set_sp(c.sp() + 2);
      c.set_flags(nv, (kUser & 0xffff) | fl::VIF);
      return true;
    }
    mask = kUser | fl::IF;
  } else if (c.s.cpl == 0) {
    mask = kUser | fl::IF | fl::IOPL;
  } else {
    mask = kUser | (c.s.cpl <= iopl(c) ? fl::IF : 0);
  }
  if (i.osize == 2) {
    mask &= 0xffff;
  } else {
    mask |= fl::RF;  // RF is cleared
    v &= ~fl::RF;
  }
  c.set_sp(c.sp() + i.osize);
  c.set_flags(v, mask);
  return true;
}

}  // namespace

void register_data(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_MOV, mov);
  t.set_specializer(ZYDIS_MNEMONIC_MOV, [](const Insn& i) { return form::pick2<Mov>(i); });
  t.set(ZYDIS_MNEMONIC_MOVZX, movx<false>);
  t.set_specializer(ZYDIS_MNEMONIC_MOVZX, specialize_movx<false>);
  t.set(ZYDIS_MNEMONIC_MOVSX, movx<true>);
  t.set_specializer(ZYDIS_MNEMONIC_MOVSX, specialize_movx<true>);
  t.set(ZYDIS_MNEMONIC_LEA, lea);
  t.set_specializer(ZYDIS_MNEMONIC_LEA, [](const Insn& i) -> Handler {
    return i.op[0].size == 4 && i.asize == 4 ? lea32 : nullptr;
  });
  t.set(ZYDIS_MNEMONIC_XCHG, xchg, 0, 2);
  t.set(ZYDIS_MNEMONIC_XADD, xadd, 0, 2);
  t.set(ZYDIS_MNEMONIC_CMPXCHG, cmpxchg, 0, 2);
  t.set(ZYDIS_MNEMONIC_CMPXCHG8B, cmpxchg8b, 0, 3);
  t.set(ZYDIS_MNEMONIC_LDS, load_far_pointer<DS>, 0, 3);
  t.set(ZYDIS_MNEMONIC_LES, load_far_pointer<ES>, 0, 3);
  t.set(ZYDIS_MNEMONIC_LFS, load_far_pointer<FS>, 0, 3);
  t.set(ZYDIS_MNEMONIC_LGS, load_far_pointer<GS>, 0, 3);
  t.set(ZYDIS_MNEMONIC_LSS, load_far_pointer<SS>, 0, 3);
  t.set(ZYDIS_MNEMONIC_PUSHF, pushf);
  t.set(ZYDIS_MNEMONIC_PUSHFD, pushf);
  t.set(ZYDIS_MNEMONIC_POPF, popf, 0, 2);
  t.set(ZYDIS_MNEMONIC_POPFD, popf, 0, 2);
}

}  // namespace pvlab::interp
