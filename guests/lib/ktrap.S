/* ktest's interrupt entry: 256 stubs, 16 bytes apart, that push an error code of 0 where the
   processor pushes none, then the vector, and join ktrap_common. ktrap_common saves the data
   segments and the general registers (struct trap_frame in ktest.h), loads the kernel data
   segments and calls ktest_trap(frame); whatever the handler left in the frame is restored
   and IRET returns through it. */
  .text
  .align 16
  .globl ktrap_stubs
ktrap_stubs:
  .set vec, 0
  .rept 256
  .align 16
  .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
  .else
  pushl $0
  .endif
  pushl $vec
  jmp ktrap_common
  .set vec, vec + 1
  .endr

ktrap_common:
  pushl %ds
  pushl %es
  pushl %fs
  pushl %gs
  pushal
  cld
  movl $0x10, %eax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %fs
  movw %ax, %gs
  pushl %esp
  call ktest_trap
  addl $4, %esp
  popal
  popl %gs
  popl %fs
  popl %es
  popl %ds
  addl $8, %esp
  iretl

  .section .note.GNU-stack, "", @progbits
