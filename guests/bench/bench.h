/* What every benchmark guest shares: the iteration count from the Multiboot command line and
   the closing line with the checksum, after which the machine powers off on every emulator. */
#ifndef PVLAB_GUEST_BENCH_H
#define PVLAB_GUEST_BENCH_H
#include <stdint.h>

struct mb_info {
  uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

/* "iters=N" anywhere on the command line (a loader may put the kernel's path first);
   `fallback` when there is none. Call it before paging is on: the loader may have put the
   command line anywhere in RAM. */
uint32_t bench_iters(const struct mb_info* mb, uint32_t fallback);

/* Print "NAME checksum 0x........" and power off. */
void bench_finish(const char* name, uint32_t checksum) __attribute__((noreturn));

/* Fail loudly: print "NAME: FAILED what value" and power off (the missing checksum tells the
   script the run is invalid). */
void bench_fail(const char* name, const char* what, uint32_t value) __attribute__((noreturn));

#endif
