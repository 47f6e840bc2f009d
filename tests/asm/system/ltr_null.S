//@ expect: exc=13 err=0 eip=0x10002
/* LTR with a null selector: #GP(0). */
  xor %eax, %eax
  ltr %ax
  hlt
