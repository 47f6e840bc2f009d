/* Multiboot v1 entry for pvlab's bare-metal guests: a header, a stack, and a call to main.
   When main returns, its value is written to isa-debug-exit; a zero return powers off. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003

  .section .multiboot, "a"
  .align 4
  .long MB_MAGIC
  .long MB_FLAGS
  .long -(MB_MAGIC + MB_FLAGS)

  .text
  .globl _start
_start:
  mov $stack_top, %esp
  push %ebx                  /* multiboot information */
  push %eax                  /* multiboot magic */
  call main
  test %eax, %eax
  jnz 1f
  mov $0x2000, %ax           /* ACPI PM1a SLP_EN: power off */
  mov $0x604, %dx
  out %ax, %dx
1:
  mov $0xf4, %dx             /* isa-debug-exit */
  out %eax, %dx
  cli
2: hlt
  jmp 2b

  .bss
  .align 16
  .space 16384
stack_top:

  .section .note.GNU-stack, "", @progbits
