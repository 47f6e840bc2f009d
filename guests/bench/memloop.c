/* Memory-heavy benchmark with PAE paging on. Each iteration walks 2,048 pages (8 MiB) in a
   scattered order in two address spaces that map the same virtual range to different
   physical memory, switching CR3 between them (each switch flushes the TLB); streams through
   64 KiB sequentially; and remaps one window page 64 times with INVLPG, reading back through
   the window what the scattered walk wrote. More pages than any TLB holds, so nearly every
   scattered access misses and walks the tables. "iters=N" on the command line; the checksum
   printed at the end lets runs be compared, and a wrong window read-back fails the run. */
#include "bench.h"
#include "paging.h"

#define MIB (1024u * 1024u)
#define BUF (16u * MIB)        /* the walked virtual range: 16..24 MiB */
#define BUF_PAGES 2048u
#define ALT_PHYS (24u * MIB)   /* what the second address space maps it to: 24..32 MiB */
#define WINDOW (32u * MIB - 4096u) /* a page whose mapping is rewritten over and over */
#define PAGE_MASK 0xfffff000u

/* The second address space: its own PDPT and first page directory, and four page tables for
   the walked range; everything else is shared with the first. */
static uint64_t alt_pdpt[4] __attribute__((aligned(32)));
static uint64_t alt_pd[512] __attribute__((aligned(4096)));
static uint64_t alt_pt[4][512] __attribute__((aligned(4096)));

/* The page-table entry that maps `va` in the address space whose PDPT is at `cr3` (all
   tables sit in identity-mapped memory). */
static volatile uint64_t* pte_of(uint32_t cr3, uint32_t va) {
  const uint64_t* pdpt = (const uint64_t*)(cr3 & ~31u);
  const uint64_t* pd = (const uint64_t*)((uint32_t)pdpt[va >> 30] & PAGE_MASK);
  volatile uint64_t* pt = (volatile uint64_t*)((uint32_t)pd[(va >> 21) & 511] & PAGE_MASK);
  return &pt[(va >> 12) & 511];
}

static uint32_t build_alt_space(uint32_t cr3) {
  const uint64_t* pdpt = (const uint64_t*)(cr3 & ~31u);
  const uint64_t* pd = (const uint64_t*)((uint32_t)pdpt[0] & PAGE_MASK);
  for (int i = 0; i < 512; ++i) alt_pd[i] = pd[i];
  for (uint32_t t = 0; t < 4; ++t) {
    for (uint32_t i = 0; i < 512; ++i) alt_pt[t][i] = (uint64_t)(ALT_PHYS + (t * 512 + i) * 4096u) | 0x3;
    alt_pd[(BUF >> 21) + t] = (uint32_t)&alt_pt[t][0] | 0x3;
  }
  alt_pdpt[0] = (uint32_t)&alt_pd[0] | 0x1;
  for (int i = 1; i < 4; ++i) alt_pdpt[i] = pdpt[i];
  return (uint32_t)alt_pdpt;
}

/* Touch every page of the walked range once, in the order page = i * step + start (mod 2048,
   step odd), at a word offset that moves with i; fold what is read into the sum. */
static uint32_t scatter(uint32_t step, uint32_t start, uint32_t salt, uint32_t sum) {
  for (uint32_t i = 0; i < BUF_PAGES; ++i) {
    uint32_t page = (i * step + start) & (BUF_PAGES - 1);
    volatile uint32_t* p = (volatile uint32_t*)(BUF + page * 4096u + ((i * 68u + salt * 4u) & 0xffcu));
    uint32_t v = *p;
    sum = (sum ^ v) * 16777619u;
    *p = v + i + salt;
  }
  return sum;
}

int main(uint32_t magic, const struct mb_info* mb) {
  (void)magic;
  uint32_t iters = bench_iters(mb, 200);
  paging_enable_pae(32);
  uint32_t cr3_a = read_cr3();
  uint32_t cr3_b = build_alt_space(cr3_a);
  volatile uint64_t* window_pte = pte_of(cr3_a, WINDOW);

  /* Both physical ranges start from the same known contents, whatever the loader left there. */
  for (uint32_t a = BUF; a < BUF + 16 * MIB; a += 4) *(volatile uint32_t*)a = a * 2654435761u;

  uint32_t sum = 2166136261u;
  for (uint32_t it = 0; it < iters; ++it) {
    sum = scatter(1031u, it * 7u, it, sum);
    write_cr3(cr3_b);
    sum = scatter(1999u, it * 13u, it + 1, sum);
    write_cr3(cr3_a);

    /* Sequential streaming: 64 KiB, a different slice each iteration. */
    const volatile uint32_t* s = (const volatile uint32_t*)(BUF + ((it * 16u) & (BUF_PAGES - 1)) * 4096u);
    uint32_t acc = 0;
    for (uint32_t k = 0; k < 16384; k += 4) acc += s[k] ^ s[k + 1] ^ (s[k + 2] + s[k + 3]);
    sum ^= acc;

    /* The window: point it at a page of the walked range, flush it, and check that it shows
       what the first address space sees there. */
    for (uint32_t k = 0; k < 64; ++k) {
      uint32_t page = (k * 37u + it) & (BUF_PAGES - 1);
      *window_pte = (uint64_t)(BUF + page * 4096u) | 0x3;
      invlpg(WINDOW);
      uint32_t off = ((k + it) * 4u) & 0xffcu;
      uint32_t seen = *(volatile uint32_t*)(WINDOW + off);
      uint32_t want = *(volatile uint32_t*)(BUF + page * 4096u + off);
      if (seen != want) bench_fail("memloop", "window read-back at page", page);
      *(volatile uint32_t*)(WINDOW + off) = seen + k;
      sum = (sum ^ seen) * 16777619u;
    }
    /* A CR3 reload with the same value: another full flush of non-global entries. */
    write_cr3(read_cr3());
  }
  bench_finish("memloop", sum);
}
