// DIV by zero: #DE at the DIV with EAX and EDX unchanged.
//@ init: ebx=0 edx=0x77
//@ expect: exc=0 eip=0x10006 eax=5 edx=0x77
  mov $5, %eax
  nop
  div %ebx
  hlt
