/* REP STOSD and REP MOVSD over counts far beyond one execution chunk, and a REPNE SCASD that
   runs long before it matches: the result is as if done in one go. */
//@ init: m32[0x44000]=0x5eed
//@ expect: m32[0x21000]=0xa5a5a5a5 m32[0x25e1c]=0xa5a5a5a5 m32[0x25e20]=0
//@ expect: m32[0x30000]=0xa5a5a5a5 m32[0x34e1c]=0xa5a5a5a5 m32[0x34e20]=0
//@ expect: m32[0x20000]=0 m32[0x20004]=0x25e20 m32[0x20008]=0x34e20 m32[0x2000c]=0x25e20
//@ expect: edi=0x44004 ecx=0x0fffefff flags[0x40]=0x40
  mov $0xa5a5a5a5, %eax
  mov $0x21000, %edi
  mov $5000, %ecx
  rep stosl
  mov %ecx, 0x20000
  mov %edi, 0x20004
  mov $0x21000, %esi
  mov $0x30000, %edi
  mov $5000, %ecx
  rep movsl
  mov %edi, 0x20008
  mov %esi, 0x2000c
  mov $0x5eed, %eax
  mov $0x40000, %edi
  mov $0x10000000, %ecx
  repne scasl                /* 0x1001 iterations */
  hlt
