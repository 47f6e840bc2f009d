/* In real mode a word at offset 0xffff runs past the 64 KiB segment limit: #GP(0), SI
   unchanged. */
//@ mode: real
//@ expect: exc=13 err=0 esi=0xffff
  .code16
  mov $0xffff, %si
  lodsw
  hlt
