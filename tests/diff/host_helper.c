/* pvlab-diff-host: runs differential test cases on the host processor. A 32-bit Linux process
 * (built with gcc -m32 -static) that maps the layout of protocol.h at fixed addresses, then
 * reads struct pd_case records from stdin and answers each with a struct pd_result on stdout.
 *
 * A case runs like this: run_case saves the helper's callee-saved registers and stack pointer,
 * loads EFLAGS and the eight registers from the case (POPFD, POPAD, MOV ESP) and jumps to the
 * code page. The sequence ends with `jmp 0x11000`; the landing page there holds
 * `jmp [0x11008]`, which reaches `landing` below without touching a register or a flag, and
 * `landing` stores the registers and EFLAGS and returns to C. A fault instead raises a signal
 * (on an alternate stack, as ESP may point anywhere): the handler copies the registers, the
 * vector (REG_TRAPNO), the error code and CR2 from the ucontext and leaves with siglongjmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include "protocol.h"

#if !defined(__i386__)
#error "pvlab-diff-host must be built for i386 (gcc -m32)"
#endif

/* Shared with the assembly below; fixed addresses because the binary is not position
 * independent. */
uint32_t pd_init_block[9]; /* EFLAGS, then POPAD order: EDI ESI EBP (ESP) EBX EDX ECX EAX */
uint32_t pd_init_esp;
uint32_t pd_entry = PD_CODE_BASE;
uint32_t pd_saved_regs[8];
uint32_t pd_saved_eflags;
uint32_t pd_helper_esp;

void pd_run_case(void);
void pd_landing(void);

__asm__(
    ".text\n"
    ".globl pd_run_case\n"
    "pd_run_case:\n"
    "  push %ebx\n"
    "  push %esi\n"
    "  push %edi\n"
    "  push %ebp\n"
    "  mov %esp, pd_helper_esp\n"
    "  mov $pd_init_block, %esp\n"
    "  popfl\n"
    "  popal\n"
    "  mov pd_init_esp, %esp\n"
    "  jmp *pd_entry\n"
    ".globl pd_landing\n"
    "pd_landing:\n"
    "  mov %eax, pd_saved_regs\n"
    "  mov %ecx, pd_saved_regs+4\n"
    "  mov %edx, pd_saved_regs+8\n"
    "  mov %ebx, pd_saved_regs+12\n"
    "  mov %esp, pd_saved_regs+16\n"
    "  mov %ebp, pd_saved_regs+20\n"
    "  mov %esi, pd_saved_regs+24\n"
    "  mov %edi, pd_saved_regs+28\n"
    "  mov pd_helper_esp, %esp\n"
    "  pushfl\n"
    "  popl pd_saved_eflags\n"
    "  cld\n"
    "  pop %ebp\n"
    "  pop %edi\n"
    "  pop %esi\n"
    "  pop %ebx\n"
    "  ret\n");

static sigjmp_buf g_jump;
static struct pd_result g_res;
static struct pd_case g_case;

static void die(const char* what) {
  fprintf(stderr, "pvlab-diff-host: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void on_signal(int sig, siginfo_t* si, void* ctx) {
  ucontext_t* uc = (ucontext_t*)ctx;
  greg_t* g = uc->uc_mcontext.gregs;
  (void)si;
  g_res.regs[0] = (uint32_t)g[REG_EAX];
  g_res.regs[1] = (uint32_t)g[REG_ECX];
  g_res.regs[2] = (uint32_t)g[REG_EDX];
  g_res.regs[3] = (uint32_t)g[REG_EBX];
  g_res.regs[4] = (uint32_t)g[REG_UESP];
  g_res.regs[5] = (uint32_t)g[REG_EBP];
  g_res.regs[6] = (uint32_t)g[REG_ESI];
  g_res.regs[7] = (uint32_t)g[REG_EDI];
  g_res.eflags = (uint32_t)g[REG_EFL];
  g_res.eip = (uint32_t)g[REG_EIP];
  g_res.trapno = (int32_t)g[REG_TRAPNO];
  g_res.err = (uint32_t)g[REG_ERR];
  g_res.cr2 = (uint32_t)uc->uc_mcontext.cr2;
  g_res.signo = sig;
  siglongjmp(g_jump, 1);
}

static void map_fixed(uint32_t addr, uint32_t size, int prot) {
  void* p = mmap((void*)(uintptr_t)addr, size, prot,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED || p != (void*)(uintptr_t)addr) die("mmap of a test page");
}

static void protect(uint32_t addr, int prot) {
  if (mprotect((void*)(uintptr_t)addr, PD_PAGE, prot) != 0) die("mprotect");
}

static int read_all(int fd, void* buf, size_t n) {
  char* p = (char*)buf;
  while (n) {
    ssize_t k = read(fd, p, n);
    if (k == 0) return 0;
    if (k < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

static void write_all(int fd, const void* buf, size_t n) {
  const char* p = (const char*)buf;
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    p += k;
    n -= (size_t)k;
  }
}

static void send_hello(void) {
  static struct pd_hello h;
  char line[512];
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) die("/proc/self/maps");
  h.magic = PD_MAGIC_HELLO;
  h.count = 0;
  while (fgets(line, sizeof line, f) && h.count < PD_MAX_RANGES) {
    unsigned long a, b;
    if (sscanf(line, "%lx-%lx", &a, &b) != 2) continue;
    h.start[h.count] = (uint32_t)a;
    h.end[h.count] = (uint32_t)b;
    ++h.count;
  }
  fclose(f);
  write_all(1, &h, sizeof h);
}

/* Linux grows a stack mapping on any access below it, up to RLIMIT_STACK: a sequence reading
 * a few megabytes under the helper's stack would succeed where the other engines fault, and
 * move the helper's memory. Touch what the helper needs, then forbid growth. */
static void freeze_stack(void) {
  volatile uint8_t pad[96 * 1024];
  struct rlimit rl;
  unsigned k;
  for (k = 0; k < sizeof pad; k += 1024) pad[k] = 0;
  if (getrlimit(RLIMIT_STACK, &rl) != 0) die("getrlimit");
  rl.rlim_cur = 128 * 1024;
  if (setrlimit(RLIMIT_STACK, &rl) != 0) die("setrlimit");
}

int main(void) {
  static uint8_t altstack[64 * 1024];
  stack_t ss;
  struct sigaction sa;
  const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
  unsigned k;
  uint8_t* landing;

  for (k = 0; k < PD_NUM_DATA; ++k) map_fixed(pd_data_page(k), PD_PAGE, PROT_READ | PROT_WRITE);
  map_fixed(PD_CODE_BASE, PD_PAGE, PROT_READ | PROT_WRITE);
  map_fixed(PD_LANDING, PD_PAGE, PROT_READ | PROT_WRITE);
  /* jmp dword [PD_LANDING + 8] */
  landing = (uint8_t*)(uintptr_t)PD_LANDING;
  landing[0] = 0xff;
  landing[1] = 0x25;
  *(uint32_t*)(landing + 2) = PD_LANDING + 8;
  *(uint32_t*)(landing + 8) = (uint32_t)(uintptr_t)&pd_landing;
  protect(PD_LANDING, PROT_READ | PROT_EXEC);

  ss.ss_sp = altstack;
  ss.ss_size = sizeof altstack;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack");
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (k = 0; k < sizeof sigs / sizeof sigs[0]; ++k)
    if (sigaction(sigs[k], &sa, NULL) != 0) die("sigaction");

  freeze_stack();
  send_hello();
  while (read_all(0, &g_case, sizeof g_case)) {
    if (g_case.magic != PD_MAGIC_CASE) {
      fprintf(stderr, "pvlab-diff-host: bad case record\n");
      return 2;
    }
    for (k = 0; k < PD_NUM_DATA; ++k) {
      if (k == PD_RO_PAGE) protect(pd_data_page(k), PROT_READ | PROT_WRITE);
      memcpy((void*)(uintptr_t)pd_data_page(k), g_case.data[k], PD_PAGE);
      if (k == PD_RO_PAGE) protect(pd_data_page(k), PROT_READ);
    }
    protect(PD_CODE_BASE, PROT_READ | PROT_WRITE);
    memcpy((void*)(uintptr_t)PD_CODE_BASE, g_case.code, PD_PAGE);
    protect(PD_CODE_BASE, PROT_READ | PROT_EXEC);

    pd_init_block[0] = g_case.eflags;
    pd_init_block[1] = g_case.regs[7];
    pd_init_block[2] = g_case.regs[6];
    pd_init_block[3] = g_case.regs[5];
    pd_init_block[4] = 0;
    pd_init_block[5] = g_case.regs[3];
    pd_init_block[6] = g_case.regs[2];
    pd_init_block[7] = g_case.regs[1];
    pd_init_block[8] = g_case.regs[0];
    pd_init_esp = g_case.regs[4];

    memset(&g_res, 0, sizeof g_res - sizeof g_res.data);
    if (sigsetjmp(g_jump, 1) == 0) {
      pd_run_case();
      memcpy(g_res.regs, pd_saved_regs, sizeof g_res.regs);
      g_res.eflags = pd_saved_eflags;
      g_res.trapno = -1;
    }
    g_res.magic = PD_MAGIC_RESULT;
    for (k = 0; k < PD_NUM_DATA; ++k)
      memcpy(g_res.data[k], (const void*)(uintptr_t)pd_data_page(k), PD_PAGE);
    write_all(1, &g_res, sizeof g_res);
  }
  return 0;
}
