/* IRET to virtual-8086 mode: a 32-bit PV guest has no VM86 mode, and HYPERVISOR_iret with
   EFLAGS.VM set in its frame does what Xen does: the guest kernel's #GP handler runs on the
   kernel stack (stack_switch's kernel_ss:kernel_sp) with the frame the first VM86
   instruction's #GP would have left: error code 0, then the nine words of the iret frame
   (EIP, CS, EFLAGS with VM, ESP, SS, ES, DS, FS, GS), 40 bytes below kernel_sp. EAX comes
   back from the iret frame, the domain carries on. */
#include "pv.h"

static uint8_t kstack[4096] __attribute__((aligned(16)));
/* The iret frame: EAX (pushed by the stub), EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS. */
uint32_t vm86_frame[10];
uint32_t vm86_saved_esp;
void vm86_resume(void);

static volatile int armed;
static volatile uint32_t got[10];
static volatile uint32_t got_at, got_cs, got_upcall_mask;

static void gp_handler(struct trap_frame* f) {
  if (!armed) {
    ktrap_default(f);
    return;
  }
  armed = 0;
  const uint32_t* p = &f->err;
  for (int i = 0; i < 10; ++i) got[i] = p[i];
  got_at = (uint32_t)(uintptr_t)p;
  got_upcall_mask = pv_shared_info ? pv_shared_info->vcpu_info[0].evtchn_upcall_mask : 0xff;
  /* Back to the kernel, events masked as before (IF clear in the iret frame). */
  f->eip = (uint32_t)(uintptr_t)vm86_resume;
  f->cs = FLAT_KERNEL_CS;
  f->eflags = 0x2;
}

int main(void) {
  kprintf("pv traps_vm86: HYPERVISOR_iret to virtual-8086 mode\n");
  if (!ktest_check("trap-table", pv_traps_init() == 0, "set_trap_table refused")) ktest_finish();
  ktrap_set(13, gp_handler);
  const uint32_t ksp = (uint32_t)(uintptr_t)(kstack + sizeof kstack);
  KCHECK_EQ("stack-switch", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, ksp), 0);

  const uint32_t want[10] = {0, 0x1000, 0x2000, 0x00020202 /* VM, IF */, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000, 0x8000};
  for (int i = 1; i < 10; ++i) vm86_frame[i] = want[i];
  armed = 1;
  uint32_t eax_after;
  __asm__ volatile(
      "movl %%esp, vm86_saved_esp\n\t"
      "leal vm86_frame+4, %%esp\n\t"
      "movl $0x1234abcd, %%eax\n\t"
      "jmp hypercall_page+%c[off]\n"
      ".globl vm86_resume\n"
      "vm86_resume:\n\t"
      "movl vm86_saved_esp, %%esp"
      : "=a"(eax_after)
      : [off] "i"(__HYPERVISOR_iret * 32)
      : "ecx", "edx", "memory");

  ktest_check("vm86-gp-delivered", armed == 0, "the #GP handler did not run");
  KCHECK_EQ("vm86-gp-frame-place", got_at, ksp - 40);
  KCHECK_EQ("vm86-gp-error-code", got[0], 0);
  unsigned bad = 0;
  for (int i = 1; i < 10; ++i) bad += got[i] != want[i];
  ktest_check("vm86-gp-frame", bad == 0,
              "EIP %#x CS %#x EFLAGS %#x ESP %#x SS %#x ES %#x DS %#x FS %#x GS %#x", got[1], got[2], got[3], got[4],
              got[5], got[6], got[7], got[8], got[9]);
  KCHECK_EQ("vm86-gp-events-masked", got_upcall_mask, 1);
  KCHECK_EQ("vm86-eax-restored", eax_after, 0x1234abcd);
  ktest_finish();
}
