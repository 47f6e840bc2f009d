/* Interrupt- and exception-heavy benchmark with PAE paging on. The guest installs its own GDT
   and a 256-vector IDT, then each iteration raises 64 software interrupts through an
   interrupt gate (a system-call-like service), 16 through a trap gate, 8 breakpoints (INT3),
   8 invalid opcodes (UD2, skipped by the handler), 4 divide errors (skipped), 16 not-present
   page faults and 16 write-protection page faults (CR0.WP), each fixed by the handler and the
   faulting access restarted. "iters=N" on the command line; the checksum printed at the end
   lets runs be compared. An unexpected vector fails the run. */
#include "bench.h"
#include "paging.h"

#define MIB (1024u * 1024u)
#define FAULT_BASE (8u * MIB) /* 16 pages whose mappings the loop takes away and the handler restores */
#define FAULT_PAGES 16u
#define VEC_SERVICE 0x40    /* interrupt gate */
#define VEC_TRAP 0x41       /* trap gate */

struct frame {
  uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax; /* PUSHA */
  uint32_t vector, error;
  uint32_t eip, cs, eflags;
};

struct gate {
  uint16_t off_lo, sel;
  uint8_t zero, type;
  uint16_t off_hi;
} __attribute__((packed));

struct dtr {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

extern char trap_stubs[];
static uint64_t gdt[3] __attribute__((aligned(8))) = {
    0,
    0x00cf9a000000ffffull, /* 0x08: code, flat 4 GiB, ring 0 */
    0x00cf92000000ffffull, /* 0x10: data, flat 4 GiB, ring 0 */
};
static struct gate idt[256] __attribute__((aligned(8)));

static volatile uint64_t* fault_pte[FAULT_PAGES];
static uint32_t handled[32]; /* exceptions seen, by vector */
static uint32_t trap_sum = 0;

static inline uint32_t read_cr2(void) {
  uint32_t v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}

static void load_descriptor_tables(void) {
  struct dtr g = {sizeof gdt - 1, (uint32_t)gdt};
  __asm__ volatile(
      "lgdt %0\n\t"
      "ljmp $0x08, $1f\n"
      "1:\n\t"
      "mov $0x10, %%ax\n\t"
      "mov %%ax, %%ds\n\t"
      "mov %%ax, %%es\n\t"
      "mov %%ax, %%fs\n\t"
      "mov %%ax, %%gs\n\t"
      "mov %%ax, %%ss"
      :
      : "m"(g)
      : "eax", "memory");
  for (int v = 0; v < 256; ++v) {
    uint32_t handler = (uint32_t)trap_stubs + 16u * (uint32_t)v;
    idt[v].off_lo = (uint16_t)handler;
    idt[v].sel = 0x08;
    idt[v].zero = 0;
    idt[v].type = (v == 3 || v == VEC_TRAP) ? 0x8f : 0x8e; /* present, DPL 0, trap / interrupt gate */
    idt[v].off_hi = (uint16_t)(handler >> 16);
  }
  struct dtr i = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile("lidt %0" : : "m"(i) : "memory");
}

static volatile uint64_t* pte_of(uint32_t va) {
  const uint64_t* pdpt = (const uint64_t*)(read_cr3() & ~31u);
  const uint64_t* pd = (const uint64_t*)((uint32_t)pdpt[va >> 30] & 0xfffff000u);
  volatile uint64_t* pt = (volatile uint64_t*)((uint32_t)pd[(va >> 21) & 511] & 0xfffff000u);
  return &pt[(va >> 12) & 511];
}

void trap_dispatch(struct frame* f);
void trap_dispatch(struct frame* f) {
  switch (f->vector) {
  case VEC_SERVICE: /* "system call": eax = eax * 3 + ebx */
    f->eax = f->eax * 3u + f->ebx;
    return;
  case VEC_TRAP:
    f->eax ^= f->ecx + f->vector;
    trap_sum += 1;
    return;
  case 3: /* INT3: EIP already points past it */
    trap_sum += f->eip & 0xff;
    break;
  case 6: /* UD2: skip its two bytes */
    f->eip += 2;
    break;
  case 0: /* DIV ECX with ECX = 0: skip its two bytes, give a made-up quotient */
    f->eip += 2;
    f->eax = 0xdead0000u | (f->edx & 0xffff);
    break;
  case 14: {
    uint32_t cr2 = read_cr2();
    uint32_t page = (cr2 - FAULT_BASE) >> 12;
    if (cr2 < FAULT_BASE || page >= FAULT_PAGES) bench_fail("traploop", "page fault at", cr2);
    /* Not present (error bit 0 clear): map it again; protection (bit 0 set, write): allow writes. */
    *fault_pte[page] |= (f->error & 1) ? 0x2 : 0x1;
    invlpg(cr2);
    trap_sum += f->error * 7u + (cr2 & 0xfff);
    break;
  }
  default:
    bench_fail("traploop", "unexpected vector", f->vector);
  }
  if (f->vector < 32) ++handled[f->vector];
}

int main(uint32_t magic, const struct mb_info* mb) {
  (void)magic;
  uint32_t iters = bench_iters(mb, 2000);
  load_descriptor_tables();
  paging_enable_pae(16);
  uint32_t cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | (1u << 16)) : "memory"); /* WP */
  for (uint32_t p = 0; p < FAULT_PAGES; ++p) {
    fault_pte[p] = pte_of(FAULT_BASE + p * 4096u);
    for (uint32_t k = 0; k < 1024; ++k) ((volatile uint32_t*)(FAULT_BASE + p * 4096u))[k] = p * 1024u + k;
  }

  uint32_t sum = 0, acc = 1;
  for (uint32_t it = 0; it < iters; ++it) {
    for (uint32_t k = 0; k < 64; ++k)
      __asm__ volatile("int $0x40" : "+a"(acc) : "b"(k + it) : "memory");
    for (uint32_t k = 0; k < 16; ++k)
      __asm__ volatile("int $0x41" : "+a"(acc) : "c"(k) : "memory");
    for (uint32_t k = 0; k < 8; ++k) __asm__ volatile("int3" : : : "memory");
    for (uint32_t k = 0; k < 8; ++k) __asm__ volatile("ud2" : : : "memory");
    for (uint32_t k = 0; k < 4; ++k) {
      uint32_t q, r = it + k;
      /* The handler skips the two-byte "div %ecx" and sets EAX itself. */
      __asm__ volatile(".byte 0xf7, 0xf1" : "=a"(q), "+d"(r) : "a"(acc), "c"(0u) : "memory");
      sum += q;
    }

    /* Take the 16 pages away, then touch each: one not-present fault apiece. */
    for (uint32_t p = 0; p < FAULT_PAGES; ++p) {
      *fault_pte[p] &= ~1ull;
      invlpg(FAULT_BASE + p * 4096u);
    }
    for (uint32_t p = 0; p < FAULT_PAGES; ++p)
      sum += ((volatile uint32_t*)(FAULT_BASE + p * 4096u))[(it + p) & 1023];

    /* Make them read-only, then write each: one protection fault apiece. */
    for (uint32_t p = 0; p < FAULT_PAGES; ++p) *fault_pte[p] &= ~2ull;
    write_cr3(read_cr3());
    for (uint32_t p = 0; p < FAULT_PAGES; ++p)
      ((volatile uint32_t*)(FAULT_BASE + p * 4096u))[(it * 3u + p) & 1023] += acc;
    sum = sum * 31u + acc;
  }
  for (int v = 0; v < 32; ++v) sum = sum * 31u + handled[v];
  bench_finish("traploop", sum ^ trap_sum);
}
