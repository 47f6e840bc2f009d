/* CMPXCHG in every size: equal stores the source (ZF=1), different loads the accumulator
   (ZF=0) and leaves the destination; the flags are those of CMP acc, dest. Results are
   saved from 0x20100 on. */
//@ expect: m32[0x20000]=9 m32[0x20004]=5 m16[0x20008]=0xbeef
//@ expect: m32[0x20100]=9 m32[0x20104]=0x44 m32[0x20108]=5 m32[0x2010c]=0x91
//@ expect: m32[0x20110]=0xbeef m32[0x20114]=0x77 m32[0x20118]=0xab m32[0x2011c]=0x77
//@ expect: m32[0x20120]=0x77
  movl $5, 0x20000
  movl $5, 0x20004
  mov $5, %eax
  mov $9, %ebx
  cmpxchg %ebx, 0x20000      /* equal: mem = 9 */
  mov 0x20000, %edx
  mov %edx, 0x20100
  pushf
  pop %edx
  and $0x8d5, %edx
  mov %edx, 0x20104          /* ZF PF */
  mov $3, %eax
  cmpxchg %ebx, 0x20004      /* 3 != 5: eax = 5, mem stays 5 */
  pushf
  pop %edx
  and $0x8d5, %edx
  mov %eax, 0x20108
  mov %edx, 0x2010c          /* flags of 3 - 5: CF SF AF */
  movw $0xbeef, 0x20008
  mov $0x1234, %edx
  mov $0xffff0005, %eax
  cmpxchg %dx, 0x20008       /* ax = 5 != 0xbeef: ax = 0xbeef, upper half kept */
  movzwl %ax, %eax
  mov %eax, 0x20110
  mov $0x77, %ecx
  mov $0x44, %eax
  cmpxchg %cl, %al           /* the accumulator is the destination: equal, al = 0x77 */
  mov %eax, 0x20114
  mov $0xab00, %edx
  mov $0x44, %eax
  cmpxchg %cl, %dh           /* 0x44 != 0xab: al = 0xab */
  mov %eax, 0x20118
  mov $5, %eax
  cmpxchg %ecx, %ecx         /* 5 != 0x77: eax = 0x77 */
  mov %eax, 0x2011c
  mov %ecx, 0x20120
  hlt
