//@ expect: exc=7 eip=0x10018 ecx=1
/* WAIT: nothing with TS alone; #NM with TS and MP. */
  mov $0x19, %eax                    /* TS */
  mov %eax, %cr0
  fwait
  mov $1, %ecx
  mov $0x1b, %eax                    /* TS | MP */
  mov %eax, %cr0
  .org 0x18, 0x90
  fwait
  hlt
