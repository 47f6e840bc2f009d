//@ mode: real
//@ expect: exc=6 eip=0
/* ARPL (63 /r) is #UD in real mode. */
  .code16
  arpl %dx, %ax
  hlt
