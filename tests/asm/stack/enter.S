/* ENTER with nesting levels 0, 1 and 3, and LEAVE back out of each frame. */
//@ expect: m32[0x20000]=0x8ffec m32[0x20004]=0x8ffe8 m32[0x20008]=0x8ffe0
//@ expect: m32[0x2000c]=0x8ffdc m32[0x20010]=0x8ffd0
//@ expect: m32[0x8ffec]=0x5000 m32[0x8ffe8]=0x8ffec m32[0x8ffe4]=0x8ffe8 m32[0x8ffdc]=0x8ffe8
//@ expect: m32[0x8ffd8]=0x8ffe8 m32[0x8ffd4]=0x99 m32[0x8ffd0]=0x8ffdc
//@ expect: m32[0x20014]=0x8ffe8 m32[0x20018]=0x8ffe0 ebp=0x5000 esp=0x8fff0
  mov $0x5000, %ebp
  enter $0, $0               /* push EBP: EBP = ESP = 0x8ffec */
  mov %ebp, 0x20000
  enter $4, $1               /* push EBP, push the new frame pointer, 4 bytes */
  mov %ebp, 0x20004
  mov %esp, 0x20008
  movl $0x99, (%esp)
  enter $0, $3               /* push EBP, copy two frame pointers, push the new one */
  mov %ebp, 0x2000c
  mov %esp, 0x20010
  leave
  mov %ebp, 0x20014
  mov %esp, 0x20018
  leave
  leave
  hlt
