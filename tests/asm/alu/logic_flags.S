// AND / OR / XOR / TEST clear CF, OF and AF and set SF, ZF, PF from the result.
//@ init: eax=0x0f0f0f0f ebx=0xf0f0f0f0 eflags=0x8d7
//@ expect: eax=0 ebx=0xf0f0f0f0 ecx=0x80000000 m32[0x20000]=0x00010000 m32[0x20004]=0x00000100 flags[0x8d5]=0x80
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  mov $0x80000000, %ecx
  or %ebx, %ecx               /* 0xf0f0f0f0: SF=1 */
  mov $0x80000000, %ecx
  test %ecx, %ecx             /* SF=1, ZF=0, CF=OF=0 */
  SAVEF(0x20000)
  and %ebx, %eax              /* 0: ZF=1 */
  SAVEF(0x20004)
  xor $0x81, %dl              /* flags of DL ^ 0x81 */
  mov $0x80, %dl
  test %dl, %dl               /* SF=1 PF=0; AF cleared */
  hlt
