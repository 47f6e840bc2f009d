/* PUSHF/POPF in V86 mode with IOPL 3: IF changes, IOPL does not; POPFD cannot clear VM or
   touch VIF/VIP/RF, and PUSHFD images have VM clear. HLT (CPL 3) ends with #GP(0). */
//@ expect: exc=13 err=0 cpl=3 eip=0x48 eflags=0x267ed7
//@ expect: m16[0x20000]=0x3202 m16[0x20002]=0x3002 m32[0x20004]=0x3002 m32[0x20008]=0x247ed7
  pushl $0                     /* GS */
  pushl $0                     /* FS */
  pushl $0x2000                /* DS: 0x20000 */
  pushl $0                     /* ES */
  pushl $0x7000                /* SS: 0x70000 */
  pushl $0xfff0                /* ESP */
  pushl $0x23202               /* EFLAGS: VM, IOPL 3, IF */
  pushl $0x1000                /* CS: the load address */
  pushl $(v86code - 0x10000)
  iret

  .code16
v86code:
  pushf
  popw 0
  pushw $0x0002
  popf                         /* IF clears, IOPL stays 3 */
  pushf
  popw 2
  pushfl
  popl 4
  pushl $0x003c4ed5            /* VM clear, AC VIF VIP ID NT OF DF IF and arithmetic set */
  popfl
  pushfl
  popl 8
  hlt
