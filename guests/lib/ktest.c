/* ktest: start-up, PASS/FAIL reporting, the trap dispatcher and the way out (see ktest.h). */
#include "ktest.h"

#include "poweroff.h"

void kdesc_init(void);

static int passed, failed;
static char cmdline[256];
static trap_handler handlers[256];
struct ktest_fault ktest_last_fault = {-1, 0, 0, 0, 0};
volatile uint32_t ktest_resume;

void ktest_init(uint32_t mb_magic, uint32_t mb_info) {
  kuart_init();
  /* Multiboot information: flags bit 2 says word 4 is the command line's address. */
  if (mb_magic == 0x2badb002 && mb_info) {
    const uint32_t* info = (const uint32_t*)mb_info;
    if (info[0] & 4) {
      const char* s = (const char*)info[4];
      unsigned n = 0;
      while (s && s[n] && n + 1 < sizeof cmdline) {
        cmdline[n] = s[n];
        ++n;
      }
      cmdline[n] = '\0';
    }
  }
  kdesc_init();
  /* A BIOS may leave the 8259s on vectors 8 and 0x70 with the timer unmasked: move them out
     of the exception vectors and mask everything until a kernel asks for an IRQ. */
  kpic_remap(0x20, 0x28);
}

const char* ktest_cmdline(void) { return cmdline; }

int ktest_arg_uint(const char* key, uint32_t* value) {
  for (const char* p = cmdline; *p;) {
    while (*p == ' ') ++p;
    const char* k = key;
    const char* q = p;
    while (*k && *q == *k) ++k, ++q;
    if (!*k && *q == '=') {
      uint32_t v = 0;
      int digits = 0;
      for (++q; *q >= '0' && *q <= '9'; ++q, ++digits) v = v * 10 + (uint32_t)(*q - '0');
      if (digits) {
        *value = v;
        return 1;
      }
    }
    while (*p && *p != ' ') ++p;
  }
  return 0;
}

void ktest_pass(const char* name) {
  ++passed;
  kprintf("PASS %s\n", name);
}

static void vfail(const char* name, const char* fmt, va_list ap) {
  ++failed;
  kprintf("FAIL %s: ", name);
  kvprintf(fmt, ap);
  kputc('\n');
}

void ktest_fail(const char* name, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(name, fmt, ap);
  va_end(ap);
}

void ktest_skip(const char* name, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kprintf("SKIP %s: ", name);
  kvprintf(fmt, ap);
  kputc('\n');
  va_end(ap);
}

int ktest_check(const char* name, int cond, const char* fmt, ...) {
  if (cond) {
    ktest_pass(name);
    return 1;
  }
  va_list ap;
  va_start(ap, fmt);
  vfail(name, fmt, ap);
  va_end(ap);
  return 0;
}

int ktest_failures(void) { return failed; }

void ktest_exit(int ok) {
  __asm__ volatile("cli");
  outb(0xf4, ok ? KTEST_EXIT_PASS : KTEST_EXIT_FAIL);
  power_off(); /* no debug-exit device */
}

void ktest_finish(void) {
  kprintf("DONE %d passed, %d failed\n", passed, failed);
  ktest_exit(failed == 0 && passed > 0);
}

void ktrap_set(int vec, trap_handler h) { handlers[vec] = h; }

void ktest_trap(struct trap_frame* f) {
  uint32_t vec = f->vec & 0xff;
  if (handlers[vec]) handlers[vec](f);
  else ktrap_default(f);
}

void ktrap_default(struct trap_frame* f) {
  uint32_t vec = f->vec & 0xff;
  if (vec < 32 && ktest_resume) {
    ktest_last_fault.vec = (int)vec;
    ktest_last_fault.err = f->err;
    ktest_last_fault.eip = f->eip;
    ktest_last_fault.cs = f->cs & 0xffff;
    ktest_last_fault.cr2 = vec == 14 ? read_cr2() : 0;
    f->eip = ktest_resume;
    ktest_resume = 0;
    return;
  }
  static int reporting;
  if (reporting) { /* the report itself trapped: say so plainly and stop */
    kputs("\nFAIL unexpected-trap: another trap while reporting one\n");
    ktest_exit(0);
  }
  reporting = 1;
  ++failed;
  kprintf("FAIL unexpected-trap: vector %u error %#x at %04x:%08x eflags %#x cr2 %#x\n", vec,
          f->err, f->cs & 0xffff, f->eip, f->eflags, vec == 14 ? read_cr2() : 0);
  ktest_finish();
}
