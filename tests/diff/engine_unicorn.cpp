// Unicorn 2 as a differential-test engine (x86, 32-bit, a Pentium II model). Unicorn has no
// paging here: the pages of protocol.h are mapped with matching permissions and everything
// else is unmapped, which Unicorn reports through its invalid-memory hooks; those become #PF
// with the error code a ring-3 access would have. The sequence runs in ring 3: a ring-0 stub
// IRETs into it, and a saved context restores ring 0 before each case. Unicorn reports
// exceptions and INT n alike through UC_HOOK_INTR without error codes; INT n to a gate a
// ring-3 INT may not use is turned into the #GP(n*8+2) the real CPU raises.
#include <unicorn/unicorn.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engines.h"

namespace pvdiff {

namespace {

constexpr uint32_t kSys = PD_SYS_BASE;  // GDT, stub and ring-0 stack
constexpr uint32_t kGdt = kSys, kStub = kSys + 0x1000, kStack0Top = kSys + 0x3000;
constexpr uint32_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x23, kData3 = 0x2b;

uint64_t make_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (limit & 0xffff) | (uint64_t(base & 0xffffff) << 16) | (uint64_t(access) << 40) |
         (uint64_t((limit >> 16) & 0xf) << 48) | (uint64_t(flags & 0xf) << 52) |
         (uint64_t(base >> 24) << 56);
}

void check(uc_err e, const char* what) {
  if (e != UC_ERR_OK) throw std::runtime_error(std::string("unicorn: ") + what + ": " + uc_strerror(e));
}

const int kRegIds[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                        UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};

class UnicornEngine final : public Engine {
 public:
  UnicornEngine() { open(); }
  ~UnicornEngine() override { close(); }
  const char* name() const override { return "unicorn"; }

 private:
  // Unicorn 2.0.1 keeps every translation it made (removing a block from the cache does not
  // give its code space back) and crashes once the code buffer is full, some hundreds of
  // thousands of cases in. A fresh instance every kRunsPerInstance runs avoids that.
  static constexpr unsigned kRunsPerInstance = 50000;

  void open() {
    runs_ = 0;
    check(uc_open(UC_ARCH_X86, UC_MODE_32, &uc_), "open");
    check(uc_ctl_set_cpu_model(uc_, UC_CPU_X86_PENTIUM2), "cpu model");
    for (unsigned k = 0; k < PD_NUM_DATA; ++k)
      check(uc_mem_map(uc_, pd_data_page(k), PD_PAGE,
                       k == PD_RO_PAGE ? UC_PROT_READ : UC_PROT_READ | UC_PROT_WRITE),
            "map data");
    check(uc_mem_map(uc_, PD_CODE_BASE, PD_PAGE, UC_PROT_READ | UC_PROT_EXEC), "map code");
    check(uc_mem_map(uc_, kSys, 0x3000, UC_PROT_ALL), "map system pages");
    const uint64_t gdt[] = {
        0,
        make_desc(0, 0xfffff, 0x9b, 0xc),  // 0x08 ring-0 code
        make_desc(0, 0xfffff, 0x93, 0xc),  // 0x10 ring-0 data
        0,
        make_desc(0, 0xfffff, 0xfb, 0xc),  // 0x23 ring-3 code
        make_desc(0, 0xfffff, 0xf3, 0xc),  // 0x2b ring-3 data
    };
    check(uc_mem_write(uc_, kGdt, gdt, sizeof gdt), "gdt");
    uc_x86_mmr g{};
    g.base = kGdt;
    g.limit = sizeof gdt - 1;
    check(uc_reg_write(uc_, UC_X86_REG_GDTR, &g), "gdtr");
    const uint8_t iretd = 0xcf;
    check(uc_mem_write(uc_, kStub, &iretd, 1), "stub");
    uint32_t sel = kData0;
    check(uc_reg_write(uc_, UC_X86_REG_SS, &sel), "ss");
    sel = kData3;
    check(uc_reg_write(uc_, UC_X86_REG_DS, &sel), "ds");
    check(uc_reg_write(uc_, UC_X86_REG_ES, &sel), "es");
    sel = 0;
    check(uc_reg_write(uc_, UC_X86_REG_FS, &sel), "fs");
    check(uc_reg_write(uc_, UC_X86_REG_GS, &sel), "gs");
    sel = kCode0;
    check(uc_reg_write(uc_, UC_X86_REG_CS, &sel), "cs");
    check(uc_context_alloc(uc_, &ring0_), "context");
    check(uc_context_save(uc_, ring0_), "context save");
    check(uc_hook_add(uc_, &h_intr_, UC_HOOK_INTR, reinterpret_cast<void*>(&on_intr), this, 1, 0),
          "intr hook");
    // A code hook makes Unicorn keep EIP and the flags exact at every instruction, which a
    // memory fault needs (without one it reports the start of the translation block).
    check(uc_hook_add(uc_, &h_code_, UC_HOOK_CODE, reinterpret_cast<void*>(&on_code), this,
                      PD_CODE_BASE, PD_CODE_BASE + PD_PAGE - 1),
          "code hook");
    check(uc_hook_add(uc_, &h_mem_, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&on_mem), this,
                      1, 0),
          "memory hook");
  }

  void close() {
    uc_context_free(ring0_);
    uc_close(uc_);
    ring0_ = nullptr;
    uc_ = nullptr;
  }

 public:
  void run(const TestCase& tc, Result& r) override {
    r = Result{};
    r.ran = true;
    uc_err e = start(tc, 0, tc.end);
    read_state(r);
    if (intno_ >= 0) {
      interpret_interrupt(tc, r);
    } else if (mem_type_ >= 0 && e != UC_ERR_OK) {
      const int type = mem_type_;
      // EIP as Unicorn leaves it can be past an instruction whose helper faulted; the code
      // hook knows which instruction ran last.
      const uint32_t addr = mem_addr_, fault_eip = mem_code_;
      // Unicorn leaves the lazy flags of the faulting block unsynchronised and keeps the
      // bytes a faulting instruction wrote before the fault. Run again up to that
      // instruction for the state the fault must report.
      const uint64_t executed = mem_count_;
      // (The code hook does the counting: uc_emu_start's own count flushes the translation
      // cache twice per call. A fault in the first instruction stops at the start instead.)
      if (executed > 1) start(tc, executed - 1, tc.end);
      else start(tc, 0, PD_CODE_BASE);
      limit_ = 0;
      read_state(r);
      if (r.eip != fault_eip) r.note = "unicorn: re-run stopped at " + hex(r.eip);
      r.eip = fault_eip;
      r.vector = 14;
      const bool write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
      const bool prot = type == UC_MEM_WRITE_PROT || type == UC_MEM_READ_PROT ||
                        type == UC_MEM_FETCH_PROT;
      r.err = 4u | (write ? 2u : 0u) | (prot ? 1u : 0u);
      // The read of a read-modify-write is checked for writing, so its fault is a write.
      int k = tc.index_at(fault_eip);
      if (k >= 0 && size_t(k) < tc.insns.size() && tc.insns[size_t(k)].mem_rmw) r.err |= 2u;
      r.cr2 = addr;
    } else if (e == UC_ERR_INSN_INVALID) {
      r.vector = 6;
      // Unicorn turns vector 6 into this error whatever raised it, INT 6 included.
      int k = tc.index_at(r.eip);
      if (k >= 0 && size_t(k) < tc.insns.size() && tc.insns[size_t(k)].soft_int &&
          tc.insns[size_t(k)].soft_vector == 6) {
        r.vector = 13;
        r.err = 6 * 8 + 2;
      }
    } else if (e != UC_ERR_OK) {
      r.vector = kVecStopped;
      r.note = std::string("unicorn stopped: ") + uc_strerror(e);
    } else if (r.eip != tc.end) {
      r.vector = kVecStopped;
      r.note = "unicorn stopped before the end";
    }
    for (unsigned k = 0; k < PD_NUM_DATA; ++k) uc_mem_read(uc_, pd_data_page(k), r.data[k], PD_PAGE);
  }

 private:
  static std::string hex(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "%#x", v);
    return b;
  }

  // Load the case and run it from the ring-0 stub until `until`, or for `count` instructions
  // of the sequence when that is not zero.
  uc_err start(const TestCase& tc, uint64_t count, uint32_t until) {
    if (++runs_ > kRunsPerInstance) {
      close();
      open();
      runs_ = 1;
    }
    limit_ = count;
    check(uc_context_restore(uc_, ring0_), "context restore");
    for (unsigned k = 0; k < PD_NUM_DATA; ++k)
      check(uc_mem_write(uc_, pd_data_page(k), tc.data[k], PD_PAGE), "data");
    check(uc_mem_write(uc_, PD_CODE_BASE, tc.code, PD_PAGE), "code");
    uc_ctl_remove_cache(uc_, PD_CODE_BASE, PD_CODE_BASE + PD_PAGE);
    const uint32_t frame[5] = {PD_CODE_BASE, kCode3, tc.eflags, tc.regs[4], kData3};
    const uint32_t sp0 = kStack0Top - sizeof frame;
    check(uc_mem_write(uc_, sp0, frame, sizeof frame), "iret frame");
    for (unsigned k = 0; k < 8; ++k) {
      uint32_t v = k == 4 ? sp0 : tc.regs[k];
      check(uc_reg_write(uc_, kRegIds[k], &v), "register");
    }
    intno_ = -1;
    mem_type_ = -1;
    code_count_ = 0;
    return uc_emu_start(uc_, kStub, until, 0, 0);
  }

  void read_state(Result& r) {
    for (unsigned k = 0; k < 8; ++k) uc_reg_read(uc_, kRegIds[k], &r.regs[k]);
    uc_reg_read(uc_, UC_X86_REG_EFLAGS, &r.eflags);
    uc_reg_read(uc_, UC_X86_REG_EIP, &r.eip);
  }

  // Tell a software interrupt (reported after its instruction) from an exception (reported
  // at the faulting instruction) by what the sequence holds just before EIP.
  void interpret_interrupt(const TestCase& tc, Result& r) const {
    r.vector = intno_;
    r.eip = intr_eip_;
    for (const SeqInsn& i : tc.insns) {
      const uint32_t start = PD_CODE_BASE + i.offset, end = start + i.len;
      if (!i.soft_int || i.soft_vector != intno_ || (intr_eip_ != end && intr_eip_ != start))
        continue;
      // (Unicorn reports some INT n, INT 6 for one, at the instruction instead of after it.)
      if (intno_ == 3 || intno_ == 4) {  // a trap through a DPL-3 gate
        r.eip = end;
        return;
      }
      // INT n through a DPL-0 gate: #GP with the IDT selector error code.
      r.vector = 13;
      r.err = uint32_t(intno_) * 8 + 2;
      r.eip = start;
      return;
    }
    r.err_known = !vector_has_error(intno_);
  }

  static void on_intr(uc_engine* uc, uint32_t intno, void* self) {
    auto* me = static_cast<UnicornEngine*>(self);
    if (me->intno_ < 0) {
      me->intno_ = int(intno);
      uc_reg_read(uc, UC_X86_REG_EIP, &me->intr_eip_);
    }
    uc_emu_stop(uc);
  }
  static void on_code(uc_engine* uc, uint64_t addr, uint32_t, void* self) {
    auto* me = static_cast<UnicornEngine*>(self);
    if (me->limit_ && me->code_count_ == me->limit_) {
      uc_emu_stop(uc);
      return;
    }
    ++me->code_count_;
    me->last_code_ = uint32_t(addr);
  }
  static bool on_mem(uc_engine*, uc_mem_type type, uint64_t addr, int, int64_t, void* self) {
    auto* me = static_cast<UnicornEngine*>(self);
    if (me->mem_type_ < 0) {
      me->mem_type_ = int(type);
      me->mem_addr_ = uint32_t(addr);
      me->mem_code_ = me->last_code_;
      me->mem_count_ = me->code_count_;
    }
    return false;
  }

  uc_engine* uc_ = nullptr;
  uc_context* ring0_ = nullptr;
  uc_hook h_intr_ = 0, h_mem_ = 0, h_code_ = 0;
  unsigned runs_ = 0;        // runs of this instance
  uint64_t code_count_ = 0;  // instructions the code hook saw in this run
  uint64_t limit_ = 0;       // stop before instruction limit_ + 1 (0: no limit)
  uint32_t last_code_ = 0;   // the last of them
  uint32_t mem_code_ = 0;    // the instruction of the first invalid access
  uint64_t mem_count_ = 0;   // and how many instructions ran up to it
  int intno_ = -1;
  uint32_t intr_eip_ = 0;
  int mem_type_ = -1;
  uint32_t mem_addr_ = 0;
};

}  // namespace

std::unique_ptr<Engine> make_unicorn_engine() { return std::make_unique<UnicornEngine>(); }

}  // namespace pvdiff
