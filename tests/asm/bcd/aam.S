// AAM: AH = AL / base, AL = AL mod base; flags as a logic result on AL.
//@ init: eax=0x1234003f ecx=0xab eflags=0x8d7
//@ expect: eax=0x12340000 m16[0x20020]=0x0603 m16[0x20022]=0x0a0b m32[0x20000]=0 flags[0x8d5]=0x44
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  aam                         /* 63: 0x0603 */
  mov %ax, 0x20020
  SAVEF(0x20000)
  mov %cl, %al
  aam $16                     /* 0xab: 0x0a0b */
  mov %ax, 0x20022
  mov $0, %al
  aam $7                      /* 0: ZF PF */
  hlt
