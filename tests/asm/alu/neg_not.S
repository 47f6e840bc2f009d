// NEG: CF = (operand != 0), OF for the most negative value; NOT changes no flag.
//@ init: eax=0 ebx=0x80 ecx=0x8000 edx=5 m32[0x20000]=1
//@ expect: eax=0 ebx=0x80 ecx=0x8000 edx=0xfffffffa m32[0x20000]=0xffffffff m32[0x20004]=0x00000100 m32[0x20008]=0x01010001 m32[0x2000c]=0x01010001 flags[0x8d5]=0x95
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  neg %eax                    /* 0: CF=0 ZF=1 */
  SAVEF(0x20004)
  neg %bl                     /* 0x80: CF=1 SF=1 OF=1 */
  SAVEF(0x20008)
  neg %cx                     /* 0x8000 likewise */
  SAVEF(0x2000c)
  negl 0x20000                /* 1 -> 0xffffffff: CF SF AF PF */
  not %edx                    /* flags unchanged */
  hlt
