/* REPE CMPSB stops at the first difference, REPNE SCASB finds a terminator, REPE CMPSD runs
   out of count with ZF=1; SCASW compares AX. */
//@ init: m32[0x20000]=0x64636261 m32[0x20004]=0x00006665
//@ init: m32[0x20100]=0x78636261 m32[0x20104]=0x00006665
//@ expect: m32[0x20200]=2 m32[0x20204]=0x20004 m32[0x20208]=0x20104 m32[0x2020c]=0x91
//@ expect: m32[0x20210]=0x20007 m32[0x20214]=0xfffffff8 m32[0x20218]=0x44
//@ expect: m32[0x2021c]=0 m32[0x20220]=0x44 m32[0x20224]=0x20008
//@ expect: flags[0x8d5]=0x44 edi=0x20102
  mov $0x20000, %esi
  mov $0x20100, %edi
  mov $6, %ecx
  repe cmpsb                 /* 'd' - 'x' */
  mov %ecx, 0x20200
  mov %esi, 0x20204
  mov %edi, 0x20208
  pushf
  pop %eax
  and $0x8d5, %eax
  mov %eax, 0x2020c
  mov $0x20000, %edi
  xor %al, %al
  mov $-1, %ecx
  repne scasb
  mov %edi, 0x20210
  mov %ecx, 0x20214
  pushf
  pop %eax
  and $0x8d5, %eax
  mov %eax, 0x20218
  mov $0x20004, %esi
  mov $0x20104, %edi
  mov $1, %ecx
  repe cmpsl
  mov %ecx, 0x2021c
  pushf
  pop %eax
  and $0x8d5, %eax
  mov %eax, 0x20220
  mov %esi, 0x20224
  mov $0x20100, %edi
  mov $0x6261, %ax
  scasw
  hlt
