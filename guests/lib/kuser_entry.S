/* Running a C function at ring 3 (ktest_run_user in kuser.c).
   kuser_enter(fn, arg, user_esp, eflags) saves the callee-saved registers and ESP, then IRETs
   to ring 3 (KSEL_UCODE, KSEL_UDATA) at kuser_trampoline with fn and arg on the user stack.
   The trampoline calls fn(arg) and raises vector 0x81 (a DPL 3 gate to kuser_return), which
   drops whatever the trap pushed on the ring 0 stack, restores the saved state and returns
   fn's value from kuser_enter. */
  .text
  .globl kuser_enter
kuser_enter:
  pushl %ebp
  pushl %ebx
  pushl %esi
  pushl %edi
  movl %esp, kuser_saved_esp
  movl 20(%esp), %eax          /* fn */
  movl 24(%esp), %ecx          /* arg */
  movl 28(%esp), %edx          /* user stack top */
  movl 32(%esp), %ebx          /* eflags */
  subl $8, %edx
  movl %eax, (%edx)
  movl %ecx, 4(%edx)
  pushl $0x23                  /* SS */
  pushl %edx                   /* ESP */
  pushl %ebx                   /* EFLAGS */
  pushl $0x1b                  /* CS */
  pushl $kuser_trampoline      /* EIP */
  movw $0x23, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %fs
  movw %ax, %gs
  iretl

  .globl kuser_trampoline
kuser_trampoline:
  popl %eax                    /* fn; arg is now on top as its argument */
  call *%eax
  int $0x81

  .globl kuser_return
kuser_return:
  movw $0x10, %cx
  movw %cx, %ds
  movw %cx, %es
  movw %cx, %fs
  movw %cx, %gs
  movl kuser_saved_esp, %esp
  popl %edi
  popl %esi
  popl %ebx
  popl %ebp
  ret

  .bss
  .align 4
kuser_saved_esp:
  .long 0

  .section .note.GNU-stack, "", @progbits
