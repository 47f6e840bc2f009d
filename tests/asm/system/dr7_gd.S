//@ expect: exc=1 eip=0x1000a dr6=0xffff2ff0 dr7=0x400 eax=0x2400
/* DR7.GD: the next MOV DR is a #DB fault (EIP at the MOV) with DR6.BD set; the processor
   clears GD so the handler can use the debug registers. */
  mov $0x2400, %eax
  mov %eax, %dr7
  nop
  nop
  mov %dr0, %eax
  hlt
