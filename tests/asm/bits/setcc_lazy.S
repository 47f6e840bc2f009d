// SETcc from the flags of arithmetic results, into byte registers (AL..BH) and memory.
//@ init: ebx=0xffffffff ecx=0xffffffff edx=0xffffffff
//@ expect: eax=0x80000001 ebx=0xffff0100 ecx=0xffff0100 edx=0xffff0100 m32[0x20000]=0x00010100 m32[0x20004]=0x00010001 m32[0x20008]=0x00010001 m32[0x2000c]=0x01000100
  mov $0x80000000, %eax
  cmp $1, %eax                /* 0x7fffffff: CF=0 ZF=0 SF=0 OF=1 PF=1 */
  seto %al
  setno %ah
  setb %bl
  setnb %bh
  setz %cl
  setnz %ch
  setbe %dl
  setnbe %dh
  sets 0x20000
  setns 0x20001
  setp 0x20002
  setnp 0x20003
  setl 0x20004
  setnl 0x20005
  setle 0x20006
  setnle 0x20007
  cmp %esi, %esi              /* equal: ZF=1 */
  setbe 0x20008
  setnbe 0x20009
  setle 0x2000a
  setnle 0x2000b
  mov $0x7fffffff, %esi
  cmp $-1, %esi               /* overflow to negative: SF=1 OF=1 */
  setl 0x2000c
  setnl 0x2000d
  setle 0x2000e
  setnle 0x2000f
  hlt
