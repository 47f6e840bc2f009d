/* CMPXCHG8B: equal stores ECX:EBX and sets ZF; different loads EDX:EAX and clears ZF. The
   other flags keep their values. */
//@ init: eflags=0x8d5
//@ expect: m32[0x20000]=0x33333333 m32[0x20004]=0x44444444 m32[0x20008]=0xaaaaaaaa
//@ expect: m32[0x2000c]=0xbbbbbbbb eax=0xaaaaaaaa edx=0xbbbbbbbb m32[0x20100]=0x8d7
//@ expect: eflags=0x897
  movl $0x11111111, 0x20000
  movl $0x22222222, 0x20004
  mov $0x11111111, %eax
  mov $0x22222222, %edx
  mov $0x33333333, %ebx
  mov $0x44444444, %ecx
  mov $0x20000, %esi
  lock cmpxchg8b (%esi)
  pushf
  popl 0x20100
  movl $0xaaaaaaaa, 0x20008
  movl $0xbbbbbbbb, 0x2000c
  cmpxchg8b 8(%esi)          /* 0x22222222:11111111 != 0xbbbbbbbb:aaaaaaaa */
  hlt
