// A masked count of zero changes neither the operand nor any flag.
//@ init: eax=0xffffffff ebx=0x8000 ecx=0x20 edx=0x1234 esi=0x1234 eflags=0x8d7 m32[0x20000]=0x55
//@ expect: eax=0xffffffff ebx=0x8000 edx=0x1234 esi=0x1234 m32[0x20000]=0x55 flags[0x8d5]=0x8d5
  shl $0, %esi
  shrl %cl, 0x20000
  rol %cl, %si
  ror $0x40, %edx
  rcr $0, %esi
  rcl %cl, %dx
  sar %cl, %bh
  shld %cl, %eax, %esi
  shrd $0, %eax, %esi
  shldw $0x20, %ax, 0x20000
  hlt
