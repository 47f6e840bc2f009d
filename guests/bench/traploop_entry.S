/* Entry stubs for the trap benchmark: one 16-byte stub per vector, so vector N's handler is
   at trap_stubs + 16 * N. Each stub makes the frame uniform (a zero error code where the CPU
   pushes none), pushes its vector, saves the general registers and calls trap_dispatch with
   a pointer to the frame; the handler may change the saved registers and EIP. */
  .text
  .globl trap_stubs
  .align 16
trap_stubs:
  .set vec, 0
  .rept 256
  .align 16
  .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
  .else
  push $0
  .endif
  push $vec
  jmp trap_common
  .set vec, vec + 1
  .endr

trap_common:
  pusha
  push %esp
  call trap_dispatch
  add $4, %esp
  popa
  add $8, %esp               /* vector and error code */
  iret

  .section .note.GNU-stack, "", @progbits
