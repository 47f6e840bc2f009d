/* UD2 raises #UD with EIP at the instruction. */
//@ expect: exc=6 eip=0x10001
  nop
  ud2
  hlt
