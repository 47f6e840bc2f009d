/* ENTER and LEAVE with 16-bit operands on a 16-bit stack (real mode); the nesting level
   counts modulo 32. */
//@ mode: real
//@ init: m16[0x1232]=0xbeef
//@ expect: m16[0x7ffe]=0x1234 m16[0x7ffc]=0xbeef m16[0x7ffa]=0x7ffe m16[0x600]=0x7ffe
//@ expect: m16[0x602]=0x7ff4 m16[0x7ff2]=0x7ffe m16[0x604]=0x7ff0 m16[0x606]=0x7ff2
//@ expect: ebp=0xffff1234 esp=0x8000
  .code16
  mov $0xffff1234, %ebp
  enter $6, $2
  mov %bp, 0x600
  mov %sp, 0x602
  enter $0, $33              /* level 1 */
  mov %sp, 0x604
  mov %bp, 0x606
  leave
  leave
  hlt
