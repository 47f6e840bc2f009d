/* ktest: the freestanding runtime of pvlab's test kernels (guests/pc/tests/).

   A test kernel calls ktest_init() from main, reports each check as one line on COM1,
       PASS name
       FAIL name: detail
       SKIP name: reason
   and ends with ktest_finish(), which prints `DONE n passed, n failed` and leaves through
   isa-debug-exit at port 0xF4 with KTEST_EXIT_PASS (status 33) when nothing failed, or
   KTEST_EXIT_FAIL (status 35) otherwise. Where there is no debug-exit device the kernel powers
   the machine off instead. The kernels need nothing pvlab-specific: on QEMU run them with
       qemu-system-i386 -cpu max -kernel K.elf -serial stdio -display none \
         -device isa-debug-exit,iobase=0xf4,iosize=4

   ktest_init() installs its own GDT (the selectors below), a TSS and an IDT whose 256
   vectors all lead to ktest_trap(), and moves the 8259s to vectors 0x20-0x2F with every IRQ
   masked. Kernels add handlers per vector; KTEST_PROBE runs instructions that may fault and
   reports which exception they raised. */
#ifndef PVLAB_GUEST_KTEST_H
#define PVLAB_GUEST_KTEST_H
#include <stdarg.h>
#include <stdint.h>

#include "kcpu.h"

#define KTEST_EXIT_PASS 0x10
#define KTEST_EXIT_FAIL 0x11

/* Selectors of ktest's GDT. Entries KSEL_FREE/8 .. KTEST_GDT_ENTRIES-1 are the kernel's. */
#define KSEL_KCODE 0x08
#define KSEL_KDATA 0x10
#define KSEL_UCODE 0x1b
#define KSEL_UDATA 0x23
#define KSEL_TSS 0x28
#define KSEL_FREE 0x30
#define KTEST_GDT_ENTRIES 32

/* ---- start and end ---- */
void ktest_init(uint32_t mb_magic, uint32_t mb_info);
void ktest_finish(void) __attribute__((noreturn));
void ktest_exit(int ok) __attribute__((noreturn)); /* ok: KTEST_EXIT_PASS, else _FAIL */

/* The Multiboot command line ("" when there is none) and `key=value` numbers in it. */
const char* ktest_cmdline(void);
int ktest_arg_uint(const char* key, uint32_t* value);

/* ---- reporting ---- */
void ktest_pass(const char* name);
void ktest_fail(const char* name, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void ktest_skip(const char* name, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
/* PASS when cond holds, else FAIL with the formatted detail. Returns cond. */
int ktest_check(const char* name, int cond, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
#define KCHECK_EQ(name, got, want)                                                              \
  ktest_check((name), (uint32_t)(got) == (uint32_t)(want), "%s = %#x, expected %#x", #got,     \
              (uint32_t)(got), (uint32_t)(want))
int ktest_failures(void);

/* ---- output: COM1, polled ---- */
void kuart_init(void);
void kputc(char c);
void kputs(const char* s);
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char* fmt, va_list ap);
/* Formats into buf (always NUL-terminated); returns the length written. */
int ksnprintf(char* buf, int size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char* buf, int size, const char* fmt, va_list ap);
/* 64-bit unsigned division (there is no libgcc); d must not be 0. */
uint64_t kdivu64(uint64_t n, uint64_t d);

/* ---- descriptors ---- */
struct __attribute__((packed)) tss32 {
  uint16_t link, r0;
  uint32_t esp0;
  uint16_t ss0, r1;
  uint32_t esp1;
  uint16_t ss1, r2;
  uint32_t esp2;
  uint16_t ss2, r3;
  uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
  uint16_t trap, iomap;
};

/* Access bytes: present, DPL, type. */
#define KD_CODE 0x9a  /* ring 0 execute/read */
#define KD_DATA 0x92  /* ring 0 read/write */
#define KD_DPL(n) ((n) << 5)
#define KD_TSS 0x89   /* available 32-bit TSS */
#define KD_TSS_BUSY 0x8b
#define KD_LDT 0x82
#define KG_INT 0x8e   /* 32-bit interrupt gate */
#define KG_TRAP 0x8f  /* 32-bit trap gate */
#define KG_TASK 0x85  /* task gate */
#define KG_CALL 0x8c  /* 32-bit call gate */

/* Segment descriptor `index` of the GDT. flags: 0xC for 4 KiB granularity + 32-bit. */
void kgdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
/* A gate in the GDT (call or task gate): selector, offset, access byte, parameter count. */
void kgdt_gate(int index, uint16_t sel, uint32_t offset, uint8_t access, uint8_t params);
uint64_t kgdt_get(int index);
void kgdt_put(int index, uint64_t desc);
/* IDT entry: a gate to `handler` (or to ktest's stub when handler is 0), or a task gate. */
void kidt_gate(int vec, uint32_t handler, uint16_t sel, uint8_t access);
void kidt_stub(int vec, uint8_t access); /* back to ktest's stub, e.g. KG_INT | KD_DPL(3) */
uint64_t kidt_get(int vec);
void kidt_put(int vec, uint64_t desc);

/* The TSS at KSEL_TSS (esp0 is ktest's ring 0 stack), the virtual-8086 interrupt redirection
   bitmap (used with CR4.VME; all clear at start) and the I/O bitmap right after it, every port
   denied at start. */
struct ktss_block {
  struct tss32 tss;
  uint8_t intredir[32];
  uint8_t iomap[8192 + 1];
};
extern struct ktss_block ktest_tssb;
#define ktest_tss (ktest_tssb.tss)
#define ktest_intredir (ktest_tssb.intredir)
#define ktest_iomap (ktest_tssb.iomap)
void ktss_allow_port(uint16_t port, int allow);

/* ---- traps ---- */
/* What ktest's stubs save. The fields after eflags exist only when the trap came from an
   outer ring (esp, ss) or from virtual-8086 mode (and the four data segments). */
struct trap_frame {
  uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;
  uint32_t gs, fs, es, ds;
  uint32_t vec, err;
  uint32_t eip, cs, eflags;
  uint32_t esp, ss;
  uint32_t v86_es, v86_ds, v86_fs, v86_gs;
};
typedef void (*trap_handler)(struct trap_frame* f);
void ktrap_set(int vec, trap_handler h); /* 0 restores the default */
/* The stub of a vector (for gates built by hand). */
uint32_t ktrap_stub(int vec);

/* The last exception caught by KTEST_PROBE. */
struct ktest_fault {
  int vec; /* -1: none */
  uint32_t err, eip, cs, cr2;
};
extern struct ktest_fault ktest_last_fault;
extern volatile uint32_t ktest_resume; /* set by KTEST_PROBE; 0 when no probe is armed */

/* Run the instructions `insn` (asm text; operands as in an asm statement) once. If they raise
   an exception (vectors 0-31) that the kernel has no handler for, execution continues after
   them and the value is that vector; otherwise -1. ktest_last_fault has the details. */
#define KTEST_PROBE(insn, ...)                                                                  \
  ({                                                                                            \
    ktest_last_fault.vec = -1;                                                                  \
    __asm__ volatile("movl $9731f, ktest_resume\n\t" insn "\n\t"                                \
                     "movl $0, ktest_resume\n9731:" __VA_ARGS__);                               \
    ktest_last_fault.vec;                                                                       \
  })

/* If no kernel handler took it: recover a KTEST_PROBE, or report the trap as unexpected and
   finish. Kernel handlers call it for traps they do not want. */
void ktrap_default(struct trap_frame* f);

/* ---- ring 3 ---- */
/* Call fn(arg) at CPL 3 (KSEL_UCODE/KSEL_UDATA, ktest's user stack, the given EFLAGS) and
   return its value. The return to ring 0 is vector KTEST_USER_RETURN_VEC, a DPL 3 gate.
   The code, data and stack fn touches must be user-accessible when paging is on. */
#define KTEST_USER_RETURN_VEC 0x81
int ktest_run_user(int (*fn)(void*), void* arg, uint32_t eflags);

/* ---- PC devices ---- */
void kpic_remap(uint8_t master_base, uint8_t slave_base); /* ICW1-4, all masked */
void kpic_mask(int irq, int masked);
void kpic_set_masks(uint16_t mask); /* bit n masks IRQ n */
void kpic_eoi(int irq);
uint16_t kpic_irr(void);
uint16_t kpic_isr(void);
/* PIT channel 0 in `mode` (0-5) with `count` (binary, LSB then MSB). */
void kpit_set(int mode, uint16_t count);
uint16_t kpit_read(void); /* latched channel 0 count */
/* The TSC rate in Hz, measured over 10 ms of PIT channel 2 (polled, no interrupts); 0 if the
   PIT never finished. */
uint64_t kpit_tsc_hz(void);

#define KPIT_HZ 1193182u

#endif
