/* Hypercalls of pvlab's PV guest kernels, as a 32-bit PAE Xen PV kernel makes them.

   The hypervisor fills `hypercall_page` (head.S; named by the HYPERCALL_PAGE note) with one
   32-byte stub per hypercall number: `mov $nr,%eax; int $0x82; ret`. A call goes through
   hypercall_page + nr * 32 with the arguments in EBX, ECX, EDX, ESI, EDI and the result in
   EAX (0 or a value on success, a negative Xen error number otherwise). The argument
   registers a hypercall uses may come back changed, so the wrappers treat them as clobbered.
   A 64-bit argument takes two registers, low half first.

   Three levels:
     PV_HC0..PV_HC5(nr, ...)   the calling sequence, nr a compile-time constant;
     HYPERVISOR_<name>(...)     one typed wrapper per hypercall;
     _hypercall0.._hypercall5   raw calls through the page with a run-time number (below
                                128: the page has 128 stubs) and plain 32-bit arguments,
                                for tests that pass hostile values;
     pv_int82 / pv_int82_regs   `int $0x82` itself, any EAX, without the hypercall page.
   HYPERVISOR_iret is different: it does not return (see below). */
#ifndef PVLAB_PV_HYPERCALL_H
#define PVLAB_PV_HYPERCALL_H
#include "pvxen.h"

extern char hypercall_page[4096];

#define PV_HC_ARG(a) ((uint32_t)(uintptr_t)(a))

#define PV_HC0(nr)                                                                          \
  ({                                                                                        \
    long res_;                                                                              \
    __asm__ volatile("call hypercall_page+%c[off]" : "=a"(res_) : [off] "i"((nr) * 32)     \
                     : "memory");                                                           \
    res_;                                                                                   \
  })
#define PV_HC1(nr, a1)                                                                      \
  ({                                                                                        \
    long res_;                                                                              \
    uint32_t b_ = PV_HC_ARG(a1);                                                            \
    __asm__ volatile("call hypercall_page+%c[off]" : "=a"(res_), "+b"(b_)                   \
                     : [off] "i"((nr) * 32) : "memory");                                    \
    res_;                                                                                   \
  })
#define PV_HC2(nr, a1, a2)                                                                  \
  ({                                                                                        \
    long res_;                                                                              \
    uint32_t b_ = PV_HC_ARG(a1), c_ = PV_HC_ARG(a2);                                        \
    __asm__ volatile("call hypercall_page+%c[off]" : "=a"(res_), "+b"(b_), "+c"(c_)         \
                     : [off] "i"((nr) * 32) : "memory");                                    \
    res_;                                                                                   \
  })
#define PV_HC3(nr, a1, a2, a3)                                                              \
  ({                                                                                        \
    long res_;                                                                              \
    uint32_t b_ = PV_HC_ARG(a1), c_ = PV_HC_ARG(a2), d_ = PV_HC_ARG(a3);                    \
    __asm__ volatile("call hypercall_page+%c[off]"                                          \
                     : "=a"(res_), "+b"(b_), "+c"(c_), "+d"(d_)                             \
                     : [off] "i"((nr) * 32) : "memory");                                    \
    res_;                                                                                   \
  })
#define PV_HC4(nr, a1, a2, a3, a4)                                                          \
  ({                                                                                        \
    long res_;                                                                              \
    uint32_t b_ = PV_HC_ARG(a1), c_ = PV_HC_ARG(a2), d_ = PV_HC_ARG(a3), S_ = PV_HC_ARG(a4); \
    __asm__ volatile("call hypercall_page+%c[off]"                                          \
                     : "=a"(res_), "+b"(b_), "+c"(c_), "+d"(d_), "+S"(S_)                   \
                     : [off] "i"((nr) * 32) : "memory");                                    \
    res_;                                                                                   \
  })
#define PV_HC5(nr, a1, a2, a3, a4, a5)                                                      \
  ({                                                                                        \
    long res_;                                                                              \
    uint32_t b_ = PV_HC_ARG(a1), c_ = PV_HC_ARG(a2), d_ = PV_HC_ARG(a3), S_ = PV_HC_ARG(a4); \
    uint32_t D_ = PV_HC_ARG(a5);                                                            \
    __asm__ volatile("call hypercall_page+%c[off]"                                          \
                     : "=a"(res_), "+b"(b_), "+c"(c_), "+d"(d_), "+S"(S_), "+D"(D_)         \
                     : [off] "i"((nr) * 32) : "memory");                                    \
    res_;                                                                                   \
  })

#define PV_LO(v) ((uint32_t)(uint64_t)(v))
#define PV_HI(v) ((uint32_t)((uint64_t)(v) >> 32))

/* ---- typed wrappers, in hypercall-number order ---- */
static inline int HYPERVISOR_set_trap_table(const struct trap_info* table) {
  return (int)PV_HC1(__HYPERVISOR_set_trap_table, table);
}
static inline int HYPERVISOR_mmu_update(mmu_update_t* req, unsigned count, unsigned* done,
                                        domid_t domid) {
  return (int)PV_HC4(__HYPERVISOR_mmu_update, req, count, done, domid);
}
/* frames: the machine frame numbers of the GDT's pages; entries: its descriptor count. */
static inline int HYPERVISOR_set_gdt(unsigned long* frames, unsigned entries) {
  return (int)PV_HC2(__HYPERVISOR_set_gdt, frames, entries);
}
static inline int HYPERVISOR_stack_switch(unsigned long ss, unsigned long esp) {
  return (int)PV_HC2(__HYPERVISOR_stack_switch, ss, esp);
}
static inline int HYPERVISOR_set_callbacks(unsigned long event_cs, unsigned long event_eip,
                                           unsigned long failsafe_cs, unsigned long failsafe_eip) {
  return (int)PV_HC4(__HYPERVISOR_set_callbacks, event_cs, event_eip, failsafe_cs, failsafe_eip);
}
static inline int HYPERVISOR_fpu_taskswitch(int set) {
  return (int)PV_HC1(__HYPERVISOR_fpu_taskswitch, set);
}
static inline int HYPERVISOR_set_debugreg(int reg, unsigned long value) {
  return (int)PV_HC2(__HYPERVISOR_set_debugreg, reg, value);
}
static inline unsigned long HYPERVISOR_get_debugreg(int reg) {
  return (unsigned long)PV_HC1(__HYPERVISOR_get_debugreg, reg);
}
/* maddr: the machine address of the descriptor; desc: its 8 bytes. */
static inline int HYPERVISOR_update_descriptor(uint64_t maddr, uint64_t desc) {
  return (int)PV_HC4(__HYPERVISOR_update_descriptor, PV_LO(maddr), PV_HI(maddr), PV_LO(desc),
                     PV_HI(desc));
}
static inline int HYPERVISOR_memory_op(unsigned cmd, void* arg) {
  return (int)PV_HC2(__HYPERVISOR_memory_op, cmd, arg);
}
static inline int HYPERVISOR_multicall(multicall_entry_t* calls, unsigned count) {
  return (int)PV_HC2(__HYPERVISOR_multicall, calls, count);
}
/* flags: UVMF_NONE / UVMF_TLB_FLUSH / UVMF_INVLPG, ORed with UVMF_LOCAL / UVMF_ALL. */
static inline int HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags) {
  return (int)PV_HC4(__HYPERVISOR_update_va_mapping, va, PV_LO(pte), PV_HI(pte), flags);
}
/* timeout: absolute system time in ns; 0 cancels the timer. */
static inline int HYPERVISOR_set_timer_op(uint64_t timeout) {
  return (int)PV_HC2(__HYPERVISOR_set_timer_op, PV_LO(timeout), PV_HI(timeout));
}
static inline int HYPERVISOR_xen_version(int cmd, void* arg) {
  return (int)PV_HC2(__HYPERVISOR_xen_version, cmd, arg);
}
static inline int HYPERVISOR_console_io(int cmd, int count, char* buf) {
  return (int)PV_HC3(__HYPERVISOR_console_io, cmd, count, buf);
}
static inline int HYPERVISOR_grant_table_op(unsigned cmd, void* uop, unsigned count) {
  return (int)PV_HC3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}
static inline int HYPERVISOR_vm_assist(unsigned cmd, unsigned type) {
  return (int)PV_HC2(__HYPERVISOR_vm_assist, cmd, type);
}
static inline int HYPERVISOR_vcpu_op(int cmd, unsigned vcpu, void* extra) {
  return (int)PV_HC3(__HYPERVISOR_vcpu_op, cmd, vcpu, extra);
}
static inline int HYPERVISOR_mmuext_op(struct mmuext_op* op, unsigned count, unsigned* done,
                                       domid_t domid) {
  return (int)PV_HC4(__HYPERVISOR_mmuext_op, op, count, done, domid);
}
static inline int HYPERVISOR_sched_op(int cmd, void* arg) {
  return (int)PV_HC2(__HYPERVISOR_sched_op, cmd, arg);
}
static inline int HYPERVISOR_callback_op(int cmd, const void* arg) {
  return (int)PV_HC2(__HYPERVISOR_callback_op, cmd, arg);
}
static inline int HYPERVISOR_event_channel_op(int cmd, void* arg) {
  return (int)PV_HC2(__HYPERVISOR_event_channel_op, cmd, arg);
}
static inline int HYPERVISOR_physdev_op(int cmd, void* arg) {
  return (int)PV_HC2(__HYPERVISOR_physdev_op, cmd, arg);
}
/* struct xen_sysctl is a tools-only structure (xen/sysctl.h wants __XEN_TOOLS__). */
struct xen_sysctl;
static inline int HYPERVISOR_sysctl(struct xen_sysctl* op) {
  return (int)PV_HC1(__HYPERVISOR_sysctl, op);
}

/* HYPERVISOR_iret: return from a trap or event through the hypervisor, which restores the
   event mask from the saved EFLAGS.IF. Its stub is `push %eax; mov $23,%eax; int $0x82`, so
   the caller jumps to it (PV_IRET_STUB) with the stack holding EIP, CS, EFLAGS and, when CS
   is a ring-3 selector, ESP and SS; the hypervisor pops EAX back from the stub's push.
   This wrapper uses `frame` itself as that stack: put it where the stack may live. */
#define PV_IRET_STUB "hypercall_page + 23 * 32"
struct pv_iret_frame {
  uint32_t eax, eip, cs, eflags, esp, ss;
};
static inline __attribute__((noreturn)) void HYPERVISOR_iret(struct pv_iret_frame* frame) {
  _Static_assert(__HYPERVISOR_iret == 23, "PV_IRET_STUB's number");
  __asm__ volatile("movl %0, %%esp\n\tpopl %%eax\n\tjmp " PV_IRET_STUB : : "r"(frame) : "memory");
  __builtin_unreachable();
}

/* ---- raw access: a run-time number through the page, or int $0x82 itself ---- */
static inline long _hypercall5(unsigned nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4,
                               uint32_t a5) {
  long res = (long)(uintptr_t)(hypercall_page + nr * 32);
  __asm__ volatile("call *%%eax"
                   : "+a"(res), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                   :
                   : "memory");
  return res;
}
static inline long _hypercall0(unsigned nr) { return _hypercall5(nr, 0, 0, 0, 0, 0); }
static inline long _hypercall1(unsigned nr, uint32_t a1) { return _hypercall5(nr, a1, 0, 0, 0, 0); }
static inline long _hypercall2(unsigned nr, uint32_t a1, uint32_t a2) {
  return _hypercall5(nr, a1, a2, 0, 0, 0);
}
static inline long _hypercall3(unsigned nr, uint32_t a1, uint32_t a2, uint32_t a3) {
  return _hypercall5(nr, a1, a2, a3, 0, 0);
}
static inline long _hypercall4(unsigned nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4) {
  return _hypercall5(nr, a1, a2, a3, a4, 0);
}

/* Every register of `int $0x82` in and out. */
struct pv_hc_regs {
  uint32_t eax, ebx, ecx, edx, esi, edi;
};
static inline void pv_int82_regs(struct pv_hc_regs* r) {
  __asm__ volatile("int $0x82"
                   : "+a"(r->eax), "+b"(r->ebx), "+c"(r->ecx), "+d"(r->edx), "+S"(r->esi),
                     "+D"(r->edi)
                   :
                   : "memory");
}
static inline long pv_int82(uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx, uint32_t esi,
                            uint32_t edi) {
  struct pv_hc_regs r = {eax, ebx, ecx, edx, esi, edi};
  pv_int82_regs(&r);
  return (long)r.eax;
}

#endif
