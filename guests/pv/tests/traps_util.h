/* What the traps conformance kernels (traps*.c) share: a trap handler that records the whole
   bounce frame, forced-emulation CPUID, the upcall mask, ring-3 runs and hypercall errors.
   Implemented in traps_util.c. */
#ifndef PVLAB_PV_TRAPS_UTIL_H
#define PVLAB_PV_TRAPS_UTIL_H
#include <xen/arch-x86/cpuid.h>

#include "pv.h"

/* ---- the frame a trap arrived with ---- */
struct captured {
  int hits;
  uint32_t vec, err, eip, cs, eflags, esp, ss;
  uint32_t eax, ebx;
  int mask; /* vcpu_info's upcall mask inside the handler; -1 without shared_info */
};
extern volatile struct captured cap;
/* Where the capture handler resumes a fault (0: at the frame's EIP, as for traps). */
extern volatile uint32_t cap_resume;
/* Record the frame in `cap`, then resume at cap_resume when set. */
void cap_handler(struct trap_frame* f);
/* Route vector vec to cap_handler through the trap table (dpl, event-mask flag). */
int cap_route(int vec, int dpl, int mask_events);

/* Run `insn` once with cap_resume just after it; evaluates to the number of traps caught.
   The labels 8601 (before) and 8602 (after) may be used by the caller's operands. */
#define CAPTURE(insn, ...)                                                                   \
  ({                                                                                         \
    cap.hits = 0;                                                                            \
    __asm__ volatile("movl $8602f, cap_resume\n\t"                                           \
                     "movl $8601f, cap_before\n\t"                                           \
                     "movl $8602f, cap_after\n"                                              \
                     "8601:\n\t" insn "\n"                                                   \
                     "8602:\n\t"                                                             \
                     "movl $0, cap_resume" __VA_ARGS__);                                     \
    cap.hits;                                                                                \
  })
extern volatile uint32_t cap_before, cap_after;

/* ---- CPU and hypervisor helpers ---- */
struct regs4 {
  uint32_t eax, ebx, ecx, edx;
};
struct regs4 cpuid_native(uint32_t leaf, uint32_t sub);
struct regs4 cpuid_forced(uint32_t leaf, uint32_t sub); /* ud2; .ascii "xen"; cpuid */
int set_iopl(uint32_t iopl);
/* The upcall mask in vcpu_info, -1 without shared_info. */
int upcall_mask(void);

/* ---- ring 3 ---- */
/* The selectors of xen-x86_32.h. */
#define USER_CS 0xe02b
#define USER_DS 0xe033
/* Map the user page (code in .text.pvuser, one page) and the user stack with the user bit;
   0 or the update_va_mapping error. */
int user_pages_init(void);
/* Run user_entry(op) in ring 3 on the user stack. User code there issues int $0x80 with
   EAX = op; the kernel's handler (traps_user.c) returns to the caller of run_user with
   user_exit(value). Returns that value. */
uint32_t run_user(uint32_t op, uint32_t arg);
void user_exit(uint32_t value) __attribute__((noreturn));
/* The kernel stack ring-3 traps land on. */
extern uint8_t user_kstack[8192];

#endif
