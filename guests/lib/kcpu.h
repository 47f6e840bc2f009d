/* Inline wrappers for the privileged and system instructions that test kernels use
   (the port helpers outb/inb come from rt.h, CR3 and INVLPG from paging.h). */
#ifndef PVLAB_GUEST_KCPU_H
#define PVLAB_GUEST_KCPU_H
#include <stdint.h>

#include "paging.h"
#include "rt.h"

static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint16_t inw(uint16_t port) {
  uint16_t v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint32_t inl(uint16_t port) {
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* STI; HLT: the interrupt shadow of STI makes the pair wait without a lost wake-up. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline uint32_t read_eflags(void) {
  uint32_t v;
  __asm__ volatile("pushfl; popl %0" : "=r"(v));
  return v;
}
static inline void write_eflags(uint32_t v) { __asm__ volatile("pushl %0; popfl" : : "r"(v) : "memory", "cc"); }

#define KCPU_CR(n)                                                                            \
  static inline uint32_t read_cr##n(void) {                                                   \
    uint32_t v;                                                                               \
    __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                         \
    return v;                                                                                 \
  }                                                                                           \
  static inline void write_cr##n(uint32_t v) { __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
KCPU_CR(0)
KCPU_CR(2)
KCPU_CR(4)
#undef KCPU_CR

#define CR0_PE (1u << 0)
#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define EFL_CF (1u << 0)
#define EFL_IF (1u << 9)
#define EFL_IOPL3 (3u << 12)
#define EFL_NT (1u << 14)
#define EFL_VM (1u << 17)
#define EFL_VIF (1u << 19)

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}
static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline void cpuid(uint32_t leaf, uint32_t* a, uint32_t* b, uint32_t* c, uint32_t* d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
/* EDX of CPUID leaf 1 (standard features) and of leaf 0x80000001 (0 if absent). */
static inline uint32_t cpuid_edx(uint32_t leaf) {
  uint32_t a, b, c, d;
  if (leaf >= 0x80000000u) {
    cpuid(0x80000000u, &a, &b, &c, &d);
    if (a < leaf) return 0;
  }
  cpuid(leaf, &a, &b, &c, &d);
  return d;
}

static inline uint16_t read_tr(void) {
  uint16_t v;
  __asm__ volatile("str %0" : "=r"(v));
  return v;
}
static inline uint16_t read_cs(void) {
  uint16_t v;
  __asm__ volatile("mov %%cs, %0" : "=r"(v));
  return v;
}

#define MSR_EFER 0xc0000080u
#define EFER_NXE (1u << 11)
#define MSR_APIC_BASE 0x1bu

#endif
