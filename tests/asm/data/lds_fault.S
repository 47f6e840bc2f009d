/* LDS with a selector beyond the GDT limit: #GP(selector), neither register changes. */
//@ expect: exc=13 err=0x100 eax=0x55 ds=0x10 eip=0x10018
  movl $0x12345678, 0x20000
  movw $0x100, 0x20004
  mov $0x55, %eax
  lds 0x20000, %eax
  hlt
