/* BOUND: within [lower, upper] (signed) continues, outside raises #BR at the instruction. */
//@ init: m32[0x20000]=0xfffffff0 m32[0x20004]=0x10 m16[0x20008]=0x0010 m16[0x2000a]=0x0020
//@ expect: exc=5 eip=0x10027 eax=0x11 ecx=0x20
  mov $-16, %eax
  bound %eax, 0x20000
  mov $0x10, %eax
  bound %eax, 0x20000
  mov $0x20, %ecx
  bound %cx, 0x20008
  mov $0x11, %eax
  bound %eax, 0x20000
  hlt
