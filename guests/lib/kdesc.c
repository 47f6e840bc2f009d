/* ktest's GDT, TSS and IDT. */
#include "ktest.h"

static uint64_t gdt[KTEST_GDT_ENTRIES] __attribute__((aligned(8)));
static uint64_t idt[256] __attribute__((aligned(8)));
struct ktss_block ktest_tssb __attribute__((aligned(128)));
static uint8_t ring0_stack[16384] __attribute__((aligned(16)));

extern char ktrap_stubs[];

struct __attribute__((packed)) dtr {
  uint16_t limit;
  uint32_t base;
};

static uint64_t make_seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
         (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)(flags & 0xf) << 52 |
         (uint64_t)(base >> 24) << 56;
}

static uint64_t make_gate(uint16_t sel, uint32_t offset, uint8_t access, uint8_t params) {
  return (uint64_t)(offset & 0xffff) | (uint64_t)sel << 16 | (uint64_t)(params & 0x1f) << 32 |
         (uint64_t)access << 40 | (uint64_t)(offset >> 16) << 48;
}

void kgdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  gdt[index] = make_seg(base, limit, access, flags);
}
void kgdt_gate(int index, uint16_t sel, uint32_t offset, uint8_t access, uint8_t params) {
  gdt[index] = make_gate(sel, offset, access, params);
}
uint64_t kgdt_get(int index) { return gdt[index]; }
void kgdt_put(int index, uint64_t desc) { gdt[index] = desc; }

uint32_t ktrap_stub(int vec) { return (uint32_t)ktrap_stubs + 16u * (uint32_t)vec; }

void kidt_gate(int vec, uint32_t handler, uint16_t sel, uint8_t access) {
  idt[vec] = make_gate(sel, handler ? handler : ktrap_stub(vec), access, 0);
}
void kidt_stub(int vec, uint8_t access) { kidt_gate(vec, 0, KSEL_KCODE, access); }
uint64_t kidt_get(int vec) { return idt[vec]; }
void kidt_put(int vec, uint64_t desc) { idt[vec] = desc; }

void ktss_allow_port(uint16_t port, int allow) {
  if (allow) ktest_iomap[port / 8] &= (uint8_t)~(1u << (port % 8));
  else ktest_iomap[port / 8] |= (uint8_t)(1u << (port % 8));
}

/* Called by ktest_init: load the tables and reload every segment register. */
void kdesc_init(void) {
  kgdt_set(1, 0, 0xfffff, KD_CODE, 0xc);
  kgdt_set(2, 0, 0xfffff, KD_DATA, 0xc);
  kgdt_set(3, 0, 0xfffff, KD_CODE | KD_DPL(3), 0xc);
  kgdt_set(4, 0, 0xfffff, KD_DATA | KD_DPL(3), 0xc);
  ktest_tss.esp0 = (uint32_t)(ring0_stack + sizeof ring0_stack);
  ktest_tss.ss0 = KSEL_KDATA;
  ktest_tss.iomap = (uint16_t)(uint32_t)((uint8_t*)ktest_iomap - (uint8_t*)&ktest_tss);
  for (unsigned i = 0; i < sizeof ktest_iomap; ++i) ktest_iomap[i] = 0xff;
  /* The limit covers the TSS, both bitmaps and the I/O bitmap's closing 0xFF byte. */
  kgdt_set(5, (uint32_t)&ktest_tss, sizeof ktest_tssb - 1, KD_TSS, 0);
  for (int v = 0; v < 256; ++v) kidt_stub(v, KG_INT);

  struct dtr g = {sizeof gdt - 1, (uint32_t)gdt};
  struct dtr i = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile(
      "lgdt %0\n\t"
      "lidt %1\n\t"
      "ljmp $0x08, $1f\n"
      "1:\n\t"
      "movw $0x10, %%ax\n\t"
      "movw %%ax, %%ds\n\t"
      "movw %%ax, %%es\n\t"
      "movw %%ax, %%fs\n\t"
      "movw %%ax, %%gs\n\t"
      "movw %%ax, %%ss\n\t"
      "movw $0x28, %%ax\n\t"
      "ltr %%ax"
      :
      : "m"(g), "m"(i)
      : "eax", "memory");
}
