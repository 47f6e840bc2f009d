// A zero source sets ZF and leaves the destination; the other flags are those of a logic
// operation on the source (CF, OF, AF, SF clear, PF set).
//@ init: eax=0x12345678 ebx=0x77 m32[0x20000]=0xffff0000 eflags=0x8d7
//@ expect: eax=0x12345678 ebx=0x77 m8[0x20010]=1 flags[0x8d5]=0x44
  bsrw 0x20000, %ax
  setz 0x20010
  bsf %ecx, %ebx
  hlt
