/* LSS with a null selector: #GP(0), ESP unchanged. */
//@ expect: exc=13 err=0 esp=0x8fff0 ss=0x10
  movl $0x1000, 0x20000
  movw $0, 0x20004
  lss 0x20000, %esp
  hlt
