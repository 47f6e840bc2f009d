/* The PV runtime's start, console and shutdown (see pv.h). */
#include <stddef.h>

#include "pv.h"

_Static_assert(offsetof(struct pv_boot_regs, esp) == 28 && offsetof(struct pv_boot_regs, eflags) == 32 &&
                   offsetof(struct pv_boot_regs, cs) == 36 && offsetof(struct pv_boot_regs, ss) == 56,
               "head.S stores pv_boot_regs by these offsets");
_Static_assert(sizeof(start_info_t) == 1112, "32-bit start_info layout");

start_info_t* pv_start_info;
shared_info_t* pv_shared_info;
int pv_shared_info_error;
uint8_t pv_shared_info_page[4096] __attribute__((aligned(4096)));

/* ---- console: kputc collects a line, console_io writes it ---- */
static char line[256];
static unsigned line_len;

void pv_console_write(const char* s, unsigned n) {
  if (n) HYPERVISOR_console_io(CONSOLEIO_write, (int)n, (char*)s);
}

void pv_console_flush(void) {
  pv_console_write(line, line_len);
  line_len = 0;
}

void kputc(char c) {
  line[line_len++] = c;
  if (c == '\n' || line_len == sizeof line) pv_console_flush();
}

void kputs(const char* s) {
  while (*s) kputc(*s++);
}

/* ---- shutdown ---- */
void pv_shutdown(unsigned reason) {
  pv_console_flush();
  struct sched_shutdown sd = {reason};
  int rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
  kprintf("pv: SCHEDOP_shutdown(%u) returned %d\n", reason, rc);
  pv_console_flush();
  for (;;) HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}

void pv_panic(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kputs("pv: panic: ");
  kvprintf(fmt, ap);
  kputc('\n');
  va_end(ap);
  pv_shutdown(SHUTDOWN_crash);
}

/* ---- start ---- */
static void map_shared_info(void) {
  uint64_t pte = (uint64_t)pv_start_info->shared_info | PV_PTE_P | PV_PTE_RW | PV_PTE_A | PV_PTE_D;
  pv_shared_info_error = HYPERVISOR_update_va_mapping((unsigned long)pv_shared_info_page, pte,
                                                      UVMF_INVLPG | UVMF_LOCAL);
  pv_shared_info = pv_shared_info_error ? 0 : (shared_info_t*)pv_shared_info_page;
}

void pv_start(start_info_t* si) __attribute__((noreturn));
void pv_start(start_info_t* si) {
  pv_start_info = si;
  pv_set_l3((const volatile uint64_t*)si->pt_base);
  map_shared_info();
  int rc = main();
  pv_shutdown(rc == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}
