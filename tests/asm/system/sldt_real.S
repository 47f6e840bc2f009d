//@ mode: real
//@ expect: exc=6 eip=0
/* The selector instructions do not exist in real mode: #UD. */
  .code16
  sldt %ax
  hlt
