/* ktest.h's reporting for PV test kernels: the same PASS / FAIL / SKIP / DONE lines on the
   hypervisor console; the end is a SCHEDOP_shutdown (see pv.h). */
#include "pv.h"

static int passed, failed;

void ktest_pass(const char* name) {
  ++passed;
  kprintf("PASS %s\n", name);
}

static void vreport(const char* word, const char* name, const char* fmt, va_list ap) {
  kprintf("%s %s: ", word, name);
  kvprintf(fmt, ap);
  kputc('\n');
}

void ktest_fail(const char* name, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ++failed;
  vreport("FAIL", name, fmt, ap);
  va_end(ap);
}

void ktest_skip(const char* name, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport("SKIP", name, fmt, ap);
  va_end(ap);
}

int ktest_check(const char* name, int cond, const char* fmt, ...) {
  if (cond) {
    ktest_pass(name);
    return 1;
  }
  va_list ap;
  va_start(ap, fmt);
  ++failed;
  vreport("FAIL", name, fmt, ap);
  va_end(ap);
  return 0;
}

int ktest_failures(void) { return failed; }

/* ok: poweroff (pvlab exits 0); otherwise crash. */
void ktest_exit(int ok) { pv_shutdown(ok ? SHUTDOWN_poweroff : SHUTDOWN_crash); }

void ktest_finish(void) {
  kprintf("DONE %d passed, %d failed\n", passed, failed);
  ktest_exit(failed == 0 && passed > 0);
}

const char* ktest_cmdline(void) { return pv_start_info ? (const char*)pv_start_info->cmd_line : ""; }
