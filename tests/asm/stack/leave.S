/* LEAVE: ESP = EBP, then POP EBP; the 16-bit form pops BP only. */
//@ expect: ebp=0x81111 esp=0x8ffe2 m32[0x20000]=0x8ffe0 eax=0x12345678
  pushl $0x12345678
  pushl $0x8ffe0
  mov %esp, %ebp
  leave                      /* EBP = 0x8ffe0, ESP = 0x8ffec */
  mov %ebp, 0x20000
  pop %eax
  mov $0x8ffe0, %ebp
  movw $0x1111, 0x8ffe0
  leavew                     /* ESP = 0x8ffe0, BP = 0x1111; the upper half of EBP stays */
  hlt
