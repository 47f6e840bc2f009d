/* V86 mode with CR4.VME and IOPL 0: 16-bit PUSHF shows VIF as IF and IOPL as 3, 16-bit POPF
   copies IF into VIF and leaves IF and IOPL; CLI and STI act on VIF. PUSHFD still faults. */
//@ expect: exc=13 err=0 cpl=3 eip=0x4c esp=0xfff0 eflags=0xa0e83
//@ expect: m16[0x20000]=0x3202 m16[0x20002]=0x3002 m16[0x20004]=0x3202 m16[0x20006]=0x3e83
  mov %cr4, %eax
  or $1, %eax                  /* VME */
  mov %eax, %cr4
  pushl $0
  pushl $0
  pushl $0x2000
  pushl $0
  pushl $0x7000
  pushl $0xfff0
  pushl $0xa0202               /* VM, VIF, IOPL 0, IF */
  pushl $0x1000
  pushl $(v86code - 0x10000)
  iret

  .code16
v86code:
  pushf
  popw 0                       /* IF from VIF = 1, IOPL 3 */
  cli                          /* VIF = 0 */
  pushf
  popw 2
  sti                          /* VIF = 1 */
  pushf
  popw 4
  pushw $0x0c81                /* IF clear; OF DF SF CF */
  popf                         /* VIF = 0, IF stays 1 */
  pushw $0x0e81
  popf                         /* VIF = 1 */
  pushf
  popw 6
  pushfl
  hlt
