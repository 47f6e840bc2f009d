/* The PV runtime's trap entry: 256 stubs, 16 bytes apart, that push an error code of 0
   where the hypervisor's bounce frame has none (it has one for vectors 8, 10-14 and 17),
   then the vector, and join pv_trap_common. pv_trap_common saves the data segments and the
   general registers (ktest.h's struct trap_frame), loads the kernel's data segments, calls
   pv_trap_dispatch(frame) and returns through HYPERVISOR_iret, which also restores the event
   mask from the saved EFLAGS.IF. The frame below the error code is Xen's: EIP, CS (the
   saved event mask in bits 16-23), EFLAGS, and ESP, SS when the trap came from ring 3. */
#define FLAT_KERNEL_DS 0xe021 /* xen/arch-x86/xen-x86_32.h */
#define PV_IRET_STUB (hypercall_page + 23 * 32) /* __HYPERVISOR_iret; see hypercall.h */

  .text
  .balign 16
  .globl pv_trap_stubs
pv_trap_stubs:
  .set vec, 0
  .rept 256
  .balign 16
  .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17
  .else
  pushl $0
  .endif
  pushl $vec
  jmp pv_trap_common
  .set vec, vec + 1
  .endr

pv_trap_common:
  pushl %ds
  pushl %es
  pushl %fs
  pushl %gs
  pushal
  cld
  movl $FLAT_KERNEL_DS, %eax
  movl %eax, %ds
  movl %eax, %es
  pushl %esp
  call pv_trap_dispatch
  addl $4, %esp
  popal
  popl %gs
  popl %fs
  popl %es
  popl %ds
  addl $8, %esp
  jmp PV_IRET_STUB

  .section .note.GNU-stack, "", @progbits
