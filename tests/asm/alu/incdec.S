// INC / DEC keep CF and set OF at the signed boundaries, at every operand size.
//@ init: eax=0x7fffffff ebx=0x8000 ecx=0x80 edx=0 eflags=0x3
//@ expect: eax=0x80000000 ebx=0x7fff ecx=0x7f00 edx=0xffffffff m32[0x20000]=0x01010001 m32[0x20004]=0x01000001 m32[0x20008]=0x01000001 flags[0x8d5]=0x95
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  inc %eax                    /* 0x80000000: OF SF, CF kept (1) */
  SAVEF(0x20000)
  dec %bx                     /* 16-bit 0x8000 -> 0x7fff: OF */
  SAVEF(0x20004)
  mov $0x7f, %ch
  dec %cl                     /* 0x80 -> 0x7f, OF */
  SAVEF(0x20008)
  mov $0, %cl
  dec %edx                    /* 0 -> -1: SF AF PF, CF still 1 */
  hlt
