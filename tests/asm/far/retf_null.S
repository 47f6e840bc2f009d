/* RETF popping a null CS selector: #GP(0); the stack is not popped. */
//@ expect: exc=13 err=0 esp=0x8ffe8
  pushl $0
  pushl $0x10000
  lret
