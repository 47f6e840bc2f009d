// BSF / BSR at 16 and 32 bits, register and memory sources.
//@ init: eax=0xdead ebx=0x10000 ecx=0 edx=0x8000 esi=0x11110000 edi=0x22220000 ebp=0 m32[0x20000]=0x80000000
//@ expect: eax=16 ebx=0x1000f ecx=16 edx=0 esi=0x1111000f edi=0x2222000f ebp=31 m8[0x20010]=0 flags[0x8d5]=0x44
  bsf %ebx, %eax              /* 16 */
  bsr %ebx, %ecx              /* 16 */
  bsf %dx, %si                /* 15 */
  bsr %dx, %di                /* 15 */
  bsfl 0x20000, %ebp          /* 31 */
  bsrw 0x20002, %bx           /* word 0x8000: 15 */
  setz 0x20010
  xor %edx, %edx
  bsf %edx, %eax              /* zero source: EAX kept, ZF=1 */
  hlt
