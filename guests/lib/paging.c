#include "paging.h"

/* PAE tables: one PDPT, four page directories, and page tables for up to 1 GiB. */
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
static uint64_t pt[512][512] __attribute__((aligned(4096)));

void paging_enable_pae(uint32_t mib) {
  uint32_t pages = mib * 256;
  if (pages > 512 * 512) pages = 512 * 512;
  for (uint32_t i = 0; i < pages; ++i) pt[i / 512][i % 512] = ((uint64_t)i << 12) | 0x3; /* P RW */
  for (uint32_t t = 0; t < (pages + 511) / 512; ++t)
    pd[t / 512][t % 512] = (uint32_t)&pt[t][0] | 0x3;
  for (int i = 0; i < 4; ++i) pdpt[i] = (uint32_t)&pd[i][0] | 0x1;
  uint32_t cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  cr4 |= 1u << 5; /* PAE */
  __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
  write_cr3((uint32_t)pdpt);
  uint32_t cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  cr0 |= 1u << 31; /* PG */
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}
