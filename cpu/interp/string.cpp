// String instructions: MOVS, CMPS, SCAS, LODS, STOS, INS, OUTS (byte, word and doubleword
// forms) with REP / REPE / REPNE, and XLAT.
//
// Addressing: the source is DS:(E)SI unless a segment prefix overrides it; the destination is
// always ES:(E)DI. The address size picks SI/DI/CX or ESI/EDI/ECX; with 16-bit addresses the
// index registers wrap within their low 16 bits. EFLAGS.DF says whether they count down.
//
// Repetition: F3 and F2 both repeat MOVS/STOS/LODS/INS/OUTS; for CMPS and SCAS F3 repeats
// while equal and F2 while not equal. A count of zero does nothing. Each iteration writes its
// registers back before the next begins, so a fault leaves (E)CX/(E)SI/(E)DI at the faulting
// iteration and the instruction restarts there. One handler call runs at most kChunk
// iterations (one while EFLAGS.TF single-steps); if the count is not used up, the instruction
// stays at the same EIP and the block ends so pending interrupts are taken between chunks.
// While a debug register is armed, chunks are one iteration long too, so data and I/O
// breakpoints trap after the iteration that hit them.
//
// Fast path: REP MOVS and REP STOS counting up with 32-bit addresses through segments the
// inline access path treats as flat copy whole runs of elements within one page (each side)
// with one host memory operation. It is taken only where the element loop would do exactly
// the same: RAM on both sides, no overlap that a forward element copy would see, and no
// debugger watching; anything else (limits, faults, MMIO, ROM) goes element by element.
#include <algorithm>
#include <cstring>

#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

constexpr uint32_t kChunk = 1024;

enum class Str { Movs, Cmps, Stos, Lods, Scas, Ins, Outs };

PVLAB_INLINE uint32_t index_reg(const Cpu& c, unsigned r, unsigned asize) {
  return asize == 2 ? (c.s.r[r] & 0xffff) : c.s.r[r];
}

PVLAB_INLINE void advance(Cpu& c, unsigned r, unsigned asize, int32_t d) {
  if (asize == 2) c.s.r[r] = (c.s.r[r] & 0xffff0000u) | ((c.s.r[r] + uint32_t(d)) & 0xffff);
  else c.s.r[r] += uint32_t(d);
}

// One iteration. Registers change only after every access of the iteration succeeded.
template <Str K>
PVLAB_INLINE bool step(Cpu& c, const Insn& i, unsigned sz, int32_t d) {
  const unsigned as = i.asize;
  uint32_t a, b;
  switch (K) {
    case Str::Movs:
      if (!c.read(i.mem.seg, index_reg(c, ESI, as), sz, a)) return false;
      if (!c.write(ES, index_reg(c, EDI, as), sz, a)) return false;
      advance(c, ESI, as, d);
      advance(c, EDI, as, d);
      return true;
    case Str::Cmps:  // the ES:(E)DI operand is read first (a fault on both reports that one)
      if (!c.read(ES, index_reg(c, EDI, as), sz, b)) return false;
      if (!c.read(i.mem.seg, index_reg(c, ESI, as), sz, a)) return false;
      set_lazy(c.s, LazyOp::Sub, sz, a, b, (a - b) & size_mask(sz));
      advance(c, ESI, as, d);
      advance(c, EDI, as, d);
      return true;
    case Str::Stos:
      if (!c.write(ES, index_reg(c, EDI, as), sz, c.reg(EAX, sz))) return false;
      advance(c, EDI, as, d);
      return true;
    case Str::Lods:
      if (!c.read(i.mem.seg, index_reg(c, ESI, as), sz, a)) return false;
      c.set_reg(EAX, sz, a);
      advance(c, ESI, as, d);
      return true;
    case Str::Scas:
      if (!c.read(ES, index_reg(c, EDI, as), sz, b)) return false;
      a = c.reg(EAX, sz);
      set_lazy(c.s, LazyOp::Sub, sz, a, b, (a - b) & size_mask(sz));
      advance(c, EDI, as, d);
      return true;
    case Str::Ins: {
      const uint32_t off = index_reg(c, EDI, as);
      if (!c.probe_write(ES, off, sz)) return false;  // fault before the port is read
      a = c.bus().port_in(uint16_t(c.s.r[EDX]), sz);
      if (!c.write(ES, off, sz, a)) return false;
      advance(c, EDI, as, d);
      return true;
    }
    case Str::Outs:
      if (!c.read(i.mem.seg, index_reg(c, ESI, as), sz, a)) return false;
      c.bus().port_out(uint16_t(c.s.r[EDX]), sz, a);
      advance(c, ESI, as, d);
      return true;
  }
  return true;
}

PVLAB_INLINE bool flat_for(const SegCache& sc, bool write) {
  return sc.limit == 0xffffffffu && !sc.expand_down && (write ? sc.writable : sc.readable);
}

// Elements of `sz` bytes from linear `lin` to the end of its page.
PVLAB_INLINE uint32_t room_in_page(uint32_t lin, unsigned sz) {
  return (kPageSize - (lin & kPageMask)) / sz;
}

// Run up to `max` elements of REP MOVS / REP STOS (DF=0, 32-bit addresses) in one go.
// Returns how many were done; 0 means "take the element loop" (nothing was changed).
template <Str K>
uint32_t fast_run(Cpu& c, const Insn& i, unsigned sz, uint32_t max) {
  const SegCache& es = c.s.seg[ES];
  if (!flat_for(es, true)) return 0;
  const uint32_t di = c.s.r[EDI];
  const uint32_t lin_d = es.base + di;
  uint32_t n = std::min(max, room_in_page(lin_d, sz));
  uint32_t lin_s = 0, si = 0;
  if (K == Str::Movs) {
    const SegCache& ss = c.s.seg[i.mem.seg];
    if (!flat_for(ss, false)) return 0;
    si = c.s.r[ESI];
    lin_s = ss.base + si;
    n = std::min(n, room_in_page(lin_s, sz));
    if (uint64_t(si) + uint64_t(n) * sz > 0x100000000ull) return 0;
  }
  if (n < 2 || uint64_t(di) + uint64_t(n) * sz > 0x100000000ull) return 0;
  const uint32_t bytes = n * sz;
  uint32_t err;
  const unsigned user = c.user_access();
  // The source is translated first: if the destination then fails, the element loop reads
  // the source before it faults on the destination too (same accessed bits).
  const uint8_t* src = nullptr;
  if (K == Str::Movs) {
    const TlbEntry* es_ = c.mmu().translate(lin_s, user, err);
    if (!es_ || !es_->host) return 0;
    src = es_->host + (lin_s & kPageMask);
  }
  TlbEntry* ed = c.mmu().translate(lin_d, user | kWrite, err);
  if (!ed || !c.mmu().unpark(*ed)) return 0;
  uint8_t* dst = ed->host_write + (lin_d & kPageMask);
  const paddr_t pa_d = ed->frame | (lin_d & kPageMask);
  if (K == Str::Movs) {
    if (dst > src && dst < src + bytes) return 0;  // a forward copy would re-read its output
    std::memmove(dst, src, bytes);
    c.s.r[ESI] = si + bytes;
  } else {
    const uint32_t v = c.reg(EAX, sz);
    if (sz == 1) {
      std::memset(dst, int(v), bytes);
    } else {
      for (uint32_t k = 0; k < n; ++k) std::memcpy(dst + k * sz, &v, sz);
    }
  }
  c.s.r[EDI] = di + bytes;
  c.bus().note_tlb_write(pa_d, bytes);
  return n;
}

// The count is not used up: the instruction runs again from the same EIP, after the block
// ends (pending interrupts are taken in between).
PVLAB_INLINE bool run_again(Cpu& c) {
  c.next_eip = c.s.eip;
  c.end_block();
  return true;
}

template <Str K>
bool string_op(Cpu& c, const Insn& i) {
  const unsigned sz = (i.opcode & 1) ? i.osize : 1;
  const int32_t d = (c.s.eflags & fl::DF) ? -int32_t(sz) : int32_t(sz);
  // The I/O permission check comes first, even for a repeat count of zero (as the reference
  // CPU does it).
  if (K == Str::Ins || K == Str::Outs) {
    if (!c.io_allowed(uint16_t(c.s.r[EDX]), sz)) return c.gp(0);
  }
  if (!i.rep()) return step<K>(c, i, sz, d);

  constexpr bool kCompare = K == Str::Cmps || K == Str::Scas;
  const bool while_equal = i.flags & iflag::REP;  // F3: REPE; F2: REPNE
  uint32_t count = index_reg(c, ECX, i.asize);
  const bool one_at_a_time = (c.s.eflags & fl::TF) || c.debug_armed();
  uint32_t budget = one_at_a_time ? 1 : kChunk;
  constexpr bool kBulk = K == Str::Movs || K == Str::Stos;
  const bool bulk = kBulk && !one_at_a_time && d > 0 && i.asize == 4 && !c.mem_observed();
  while (count != 0) {
    if (bulk) {
      if (uint32_t n = fast_run<K>(c, i, sz, std::min(count, budget))) {
        count -= n;
        c.s.r[ECX] = count;
        budget -= n;
        if (budget == 0 && count != 0) return run_again(c);
        continue;
      }
    }
    if (!step<K>(c, i, sz, d)) return false;
    --count;
    if (i.asize == 2) c.set_reg(ECX, 2, count);
    else c.s.r[ECX] = count;
    if (kCompare && get_zf(c.s) != while_equal) return true;
    if (--budget == 0 && count != 0) return run_again(c);
  }
  return true;
}

// XLAT: AL <- [seg:(E)BX + AL], DS unless overridden.
bool xlat(Cpu& c, const Insn& i) {
  uint32_t off = c.s.r[EBX] + (c.s.r[EAX] & 0xff);
  if (i.asize == 2) off &= 0xffff;
  uint32_t v;
  if (!c.read(i.mem.seg, off, 1, v)) return false;
  c.set_reg(EAX, 1, v);
  return true;
}

}  // namespace

void register_string(OpTable& t) {
  for (auto m : {ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD})
    t.set(m, string_op<Str::Movs>, 0, 2);
  for (auto m : {ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD})
    t.set(m, string_op<Str::Cmps>, 0, 2);
  for (auto m : {ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD})
    t.set(m, string_op<Str::Stos>, 0, 2);
  for (auto m : {ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD})
    t.set(m, string_op<Str::Lods>, 0, 2);
  for (auto m : {ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD})
    t.set(m, string_op<Str::Scas>, 0, 2);
  // Port accesses may change device state that raises interrupts: end the block after them.
  for (auto m : {ZYDIS_MNEMONIC_INSB, ZYDIS_MNEMONIC_INSW, ZYDIS_MNEMONIC_INSD})
    t.set(m, string_op<Str::Ins>, iflag::ENDS_BLOCK, 8);
  for (auto m : {ZYDIS_MNEMONIC_OUTSB, ZYDIS_MNEMONIC_OUTSW, ZYDIS_MNEMONIC_OUTSD})
    t.set(m, string_op<Str::Outs>, iflag::ENDS_BLOCK, 8);
  t.set(ZYDIS_MNEMONIC_XLAT, xlat);
}

}  // namespace pvlab::interp
