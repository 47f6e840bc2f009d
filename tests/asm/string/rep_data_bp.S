/* A data breakpoint hit inside REP MOVSD traps after the iteration that wrote it, with EIP
   still at the instruction and ECX/ESI/EDI past that element. */
//@ expect: exc=1 dr6=0xffff0ff1 ecx=2 esi=0x2000c edi=0x2100c m32[0x21008]=0x33 m32[0x2100c]=0
//@ expect: eip=0x10047
  movl $0x11, 0x20000
  movl $0x22, 0x20004
  movl $0x33, 0x20008
  movl $0x44, 0x2000c
  mov $0x21008, %eax
  mov %eax, %dr0
  mov $0x000d0001, %eax            /* L0, R/W0=01 (writes), LEN0=11 */
  mov %eax, %dr7
  mov $0x20000, %esi
  mov $0x21000, %edi
  mov $5, %ecx
  rep movsl
  hlt
