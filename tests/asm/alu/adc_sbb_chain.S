// 64-bit add and subtract through ADC / SBB, with the carry crossing the halves.
//@ init: eax=0xffffffff edx=0x00000001 ebx=1 ecx=0 esi=0 edi=0x80000000
//@ expect: eax=0 edx=2 esi=0xffffffff edi=0x7fffffff flags[0x8d5]=0x4
  add %ebx, %eax              /* low: 0xffffffff + 1 = 0, CF=1 */
  adc %ecx, %edx              /* high: 1 + 0 + 1 = 2 */
  sub %ebx, %esi              /* low: 0 - 1 = 0xffffffff, CF=1 */
  sbb %ecx, %edi              /* high: 0x80000000 - 0 - 1 = 0x7fffffff, OF=1 */
  clc
  sbb $0, %edi                /* 0x7fffffff: only PF (low byte 0xff) */
  hlt
