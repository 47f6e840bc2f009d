/* With EFLAGS.TF set, REP MOVSB traps after each iteration: #DB with EIP still at the
   instruction and ECX/ESI/EDI one element on. */
//@ init: m8[0x20000]=0x42
//@ expect: exc=1 eip=0x10018 ecx=4 esi=0x20001 edi=0x21001 m8[0x21000]=0x42 m8[0x21001]=0
  mov $0x20000, %esi
  mov $0x21000, %edi
  mov $5, %ecx
  pushf
  orl $0x100, (%esp)
  popf
  rep movsb
  hlt
