/* PAUSE and the long NOP forms do nothing. */
//@ expect: eax=1 insns=4
  pause
  nopl 0(%eax,%eax,1)
  mov $1, %eax
  hlt
