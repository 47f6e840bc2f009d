/* Identity-mapped paging set-up for bare-metal guests. */
#ifndef PVLAB_GUEST_PAGING_H
#define PVLAB_GUEST_PAGING_H
#include <stdint.h>

/* Map the first `mib` MiB 1:1 with 4 KiB pages under PAE and turn paging on. */
void paging_enable_pae(uint32_t mib);

static inline void invlpg(uint32_t addr) { __asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory"); }
static inline uint32_t read_cr3(void) {
  uint32_t v;
  __asm__ volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

#endif
