/* The differential tester's fixed memory layout and the messages between pvlab-diff and its
 * 32-bit host helper (pvlab-diff-host). Plain C so that both sides include it: the helper is
 * built with `gcc -m32`, the driver as C++.
 *
 * Linear layout every engine shares (flat 32-bit segments, ring 3):
 *   0x00000000-0x00000fff  not present
 *   0x00001000-0x00004fff  data, user read/write        (data pages 0..3)
 *   0x00005000-0x00005fff  not present (a hole to fault in)
 *   0x00006000-0x00008fff  data, user read/write        (data pages 4..6, the stack lives here)
 *   0x00009000-0x00009fff  data, user read-only         (data page 7)
 *   0x0000a000-0x0000ffff  not present
 *   0x00010000-0x00010fff  code, user read-only: the sequence, then `jmp kLanding` (E9 rel32)
 *   0x00011000             the landing: mapped by the host helper only, where it saves the
 *                          registers; pvlab faults fetching it and Unicorn stops before it,
 *                          and both read that as "the sequence ran to its end".
 *   0x7ff00000-0x7ff03fff  pvlab's and Unicorn's own system pages (GDT, IDT, TSS, ring-0
 *                          stack); supervisor-only in pvlab, absent in the host
 * Everything else is not present for pvlab and Unicorn; in the host process it may hold the
 * helper itself, which the helper reports at start-up so the driver can tell when a host run
 * would touch memory the other engines cannot see. */
#ifndef PVLAB_DIFF_PROTOCOL_H
#define PVLAB_DIFF_PROTOCOL_H

#include <stdint.h>

#define PD_PAGE 4096u
#define PD_CODE_BASE 0x10000u
#define PD_LANDING 0x11000u
#define PD_SYS_BASE 0x7ff00000u
#define PD_SYS_SIZE 0x4000u
#define PD_NUM_DATA 8
#define PD_RO_PAGE 7 /* index of the read-only data page */
#define PD_MAGIC_CASE 0x65736163u   /* "case" */
#define PD_MAGIC_RESULT 0x746c7372u /* "rslt" */
#define PD_MAGIC_HELLO 0x6f6c6568u  /* "helo" */
#define PD_MAX_RANGES 64

/* Linear address of data page k. */
static inline uint32_t pd_data_page(unsigned k) {
  static const uint32_t pages[PD_NUM_DATA] = {0x1000, 0x2000, 0x3000, 0x4000,
                                              0x6000, 0x7000, 0x8000, 0x9000};
  return pages[k];
}

/* Index of the data page holding linear address a, or -1. */
static inline int pd_data_index(uint32_t a) {
  unsigned k;
  for (k = 0; k < PD_NUM_DATA; ++k)
    if (a - pd_data_page(k) < PD_PAGE) return (int)k;
  return -1;
}

/* Sent by the helper once at start-up: the address ranges its own process occupies. */
struct pd_hello {
  uint32_t magic;
  uint32_t count;
  uint32_t start[PD_MAX_RANGES];
  uint32_t end[PD_MAX_RANGES]; /* exclusive */
};

/* One test case: the registers in x86 order (EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI). */
struct pd_case {
  uint32_t magic;
  uint32_t regs[8];
  uint32_t eflags;
  uint8_t code[PD_PAGE];
  uint8_t data[PD_NUM_DATA][PD_PAGE];
};

/* The outcome: trapno -1 when the sequence reached its end, else the x86 vector reported by
 * the kernel with its error code and CR2, the registers being those at the fault. */
struct pd_result {
  uint32_t magic;
  uint32_t regs[8];
  uint32_t eflags;
  uint32_t eip;
  int32_t trapno;
  uint32_t err;
  uint32_t cr2;
  int32_t signo;
  uint8_t data[PD_NUM_DATA][PD_PAGE];
};

#endif
