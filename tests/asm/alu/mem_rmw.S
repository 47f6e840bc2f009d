// Memory destinations of every size, with and without LOCK.
//@ init: eax=0x10 ebx=0x20000 m32[0x20000]=0xfffffff0 m32[0x20004]=0x7fff m32[0x20008]=0x80 m32[0x2000c]=0x12345678
//@ expect: m32[0x20000]=0 m32[0x20004]=0x8000 m32[0x20008]=0x7f m32[0x2000c]=0x12345687 m32[0x20010]=0x100 flags[0x8d5]=0x4
  lock addl %eax, (%ebx)      /* 0xfffffff0 + 0x10 = 0 */
  lock incw 4(%ebx)           /* 0x7fff -> 0x8000 */
  lock decb 8(%ebx)           /* 0x80 -> 0x7f */
  lock xorb $0xff, 12(%ebx)   /* 0x78 -> 0x87 */
  movl $0xff, 16(%ebx)
  lock adcl $0, 16(%ebx)      /* CF was 0 from xor: 0xff */
  stc
  lock adcl $0, 16(%ebx)      /* 0xff + 1 = 0x100: AF=1 */
  cmpb $0, 0x20010            /* 0 - 0: ZF PF */
  lock sbbl $0, (%ebx)        /* 0 - 0 - 0: ZF=1 PF=1 ... */
  lock notl (%ebx)
  lock notl (%ebx)            /* back to 0, flags of the SBB */
  lock subw $0, 4(%ebx)       /* 0x8000 - 0: SF=1, PF=1 */
  lock orb $0, 8(%ebx)        /* 0x7f: PF=0, ZF=0, SF=0 */
  lock andw $0xffff, 4(%ebx)  /* 0x8000: SF PF */
  lock subl $0, 0x20010       /* 0x100: PF=1 (low byte 0) */
  hlt
