//@ expect: exc=1 eip=0x10012 dr6=0xffff4ff0 ecx=1
/* MOV SS holds the single-step trap until after the next instruction: one trap, after the
   instruction that follows MOV SS. */
  mov %ss, %eax
  pushf
  orl $0x100, (%esp)
  popf
  mov %eax, %ss                    /* 0x1000b: traps held */
  mov $1, %ecx                     /* trap after this one */
  mov $1, %edx
  hlt
