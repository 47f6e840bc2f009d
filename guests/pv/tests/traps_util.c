/* Shared pieces of the traps conformance kernels (see traps_util.h): the capturing trap
   handler, CPUID both ways, the upcall mask, and ring-3 runs. */
#include "traps_util.h"

volatile struct captured cap;
volatile uint32_t cap_resume, cap_before, cap_after;

void cap_handler(struct trap_frame* f) {
  cap.hits++;
  cap.vec = f->vec & 0xff;
  cap.err = f->err;
  cap.eip = f->eip;
  cap.cs = f->cs;
  cap.eflags = f->eflags;
  cap.esp = (f->cs & 3) == 3 ? f->esp : 0;
  cap.ss = (f->cs & 3) == 3 ? f->ss : 0;
  cap.eax = f->eax;
  cap.ebx = f->ebx;
  cap.mask = upcall_mask();
  if ((f->cs & 3) == 3) user_exit(0xdead0000u | cap.vec); /* a trap from ring 3 ends the run */
  if (cap_resume) {
    f->eip = cap_resume;
    cap_resume = 0;
  }
}

int cap_route(int vec, int dpl, int mask_events) {
  ktrap_set(vec, cap_handler);
  return pv_trap_route(vec, dpl, mask_events);
}

struct regs4 cpuid_native(uint32_t leaf, uint32_t sub) {
  struct regs4 r;
  __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(sub));
  return r;
}

struct regs4 cpuid_forced(uint32_t leaf, uint32_t sub) {
  struct regs4 r;
  __asm__ volatile("ud2\n\t.ascii \"xen\"\n\tcpuid"
                   : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                   : "a"(leaf), "c"(sub));
  return r;
}

int set_iopl(uint32_t iopl) {
  struct physdev_set_iopl p = {iopl};
  return HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &p);
}

int upcall_mask(void) {
  return pv_shared_info ? pv_shared_info->vcpu_info[0].evtchn_upcall_mask : -1;
}

/* ---- ring 3 ---- */
uint8_t user_kstack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(4096)));
uint32_t user_stack_top = (uint32_t)(uintptr_t)(user_stack + sizeof user_stack);
extern char user_page[];

int user_pages_init(void) {
  int rc = pv_remap_own(user_page, PV_PTE_P | PV_PTE_US | PV_PTE_A);
  if (rc) return rc;
  rc = pv_remap_own(user_stack, PV_PTE_P | PV_PTE_RW | PV_PTE_US | PV_PTE_A | PV_PTE_D);
  if (rc) return rc;
  return HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)(user_kstack + sizeof user_kstack));
}

/* run_user(op, arg): iret to ring 3 at user_entry with EAX = op, EBX = arg; user_exit(value)
   comes back here from a trap handler on the ring-3 kernel stack. */
__asm__(
    "  .text\n"
    "  .globl run_user\n"
    "run_user:\n"
    "  pushl %ebp\n  pushl %ebx\n  pushl %esi\n  pushl %edi\n"
    "  movl %esp, run_user_saved_esp\n"
    "  movl 20(%esp), %eax\n"
    "  movl 24(%esp), %ebx\n"
    "  pushl $0xe033\n"          /* SS */
    "  pushl user_stack_top\n"   /* ESP */
    "  pushl $0x202\n"           /* EFLAGS: IF */
    "  pushl $0xe02b\n"          /* CS */
    "  pushl $user_entry\n"      /* EIP */
    "  movl $0xe033, %ecx\n  movl %ecx, %ds\n  movl %ecx, %es\n"
    "  jmp hypercall_page + 23 * 32\n"
    "  .globl user_exit\n"
    "user_exit:\n"
    "  movl 4(%esp), %eax\n"
    "  movl run_user_saved_esp, %esp\n"
    "  movl $0xe021, %ecx\n  movl %ecx, %ds\n  movl %ecx, %es\n"
    "  popl %edi\n  popl %esi\n  popl %ebx\n  popl %ebp\n"
    "  ret\n"
    "  .data\n"
    "run_user_saved_esp: .long 0\n");

/* The ring-3 code: one page, made user-accessible by user_pages_init. EAX selects what to do
   (EBX is its argument); every path ends with the exit system call, int $0x80 with EAX = 0
   and the result in EBX, unless it traps first. */
__asm__(
    "  .pushsection .text.pvuser, \"ax\"\n"
    "  .balign 4096\n"
    "  .globl user_page\n"
    "user_page:\n"
    "user_entry:\n"
    "  cmpl $0, %eax\n  je 10f\n"
    "  cmpl $1, %eax\n  je 11f\n"
    "  cmpl $2, %eax\n  je 12f\n"
    "  cmpl $3, %eax\n  je 13f\n"
    "  cmpl $4, %eax\n  je 14f\n"
    "  cmpl $5, %eax\n  je 15f\n"
    "  cmpl $6, %eax\n  je 16f\n"
    "  cmpl $7, %eax\n  je 17f\n"
    "  cmpl $8, %eax\n  je 18f\n"
    "  cmpl $9, %eax\n  je 19f\n"
    "  cmpl $10, %eax\n  je 20f\n"
    "  movl $0xbad, %ebx\n  jmp 99f\n"
    "10: movl $1, %eax\n  int $0x80\n  movl %eax, %ebx\n  jmp 99f\n"   /* echo: EBX + 1 */
    "11: int $0x82\n  movl $1, %ebx\n  jmp 99f\n"                      /* hypercall vector */
    "12: cli\n  movl $2, %ebx\n  jmp 99f\n"
    "13: int $0x40\n  movl $3, %ebx\n  jmp 99f\n"                      /* a DPL-1 vector */
    "14: inb $0x60, %al\n  movzbl %al, %ebx\n  jmp 99f\n"
    "15: rdtsc\n  movl $5, %ebx\n  jmp 99f\n"
    "16: movl $0x1234, %ecx\n  movl $0x5678, %edx\n  sysenter\n  movl $6, %ebx\n  jmp 99f\n"
    "17: int3\n  movl $7, %ebx\n  jmp 99f\n"
    "18: movl (%ebx), %eax\n  movl $8, %ebx\n  jmp 99f\n"            /* a kernel page */
    "19: movl $0x40000000, %eax\n  xorl %ecx, %ecx\n"
    "    ud2\n  .ascii \"xen\"\n  cpuid\n  jmp 99f\n"               /* EBX: "XenV" */
    "20: hlt\n  movl $10, %ebx\n  jmp 99f\n"
    "99: xorl %eax, %eax\n  int $0x80\n  ud2\n"
    "  .balign 4096\n"
    "  .popsection\n");
